"""Handing an export file to its caller, whatever the door: inline when it fits the door's limit, else streamed to
the blob store and answered with a time-limited download URL.

The file is read once, chunk by chunk: up to the limit the chunks are kept in memory; past it they are written to
the blob store as they come (the kept ones first), so a large file never sits whole in memory. Each transport
chooses its own limit (a Lambda answer, or a model's context) and renders the ``Delivery`` its own way.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from chalicelib.exports.service import ExportFile
from chalicelib.store.deps import Deps

DOWNLOAD_SECONDS = 3600


@dataclass(frozen=True)
class Delivery:
    """The file's bytes (``content``) when inline, else its ``download_url``; ``newlines`` counts its lines."""

    file_name: str
    media_type: str
    content: bytes | None
    size: int
    download_url: str | None
    expires_in: int | None
    newlines: int


def deliver(deps: Deps, org_id: str, export: ExportFile, *, inline_limit: int,
            expires_in: int = DOWNLOAD_SECONDS) -> Delivery:
    """``export`` inline up to ``inline_limit`` bytes; past it, stored under the organization and linked."""
    newlines = 0

    def counted(chunks: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal newlines
        for chunk in chunks:
            newlines += chunk.count(b"\n")
            yield chunk

    buffer: list[bytes] = []
    size = 0
    chunks = iter(export.chunks)
    for chunk in counted(chunks):
        buffer.append(chunk)
        size += len(chunk)
        if size > inline_limit:
            key = f"org/{org_id}/exports/{deps.new_id()}/{export.file_name}"
            written = deps.blobs.put(key, itertools.chain(buffer, counted(chunks)), export.media_type.split(";")[0])
            return Delivery(export.file_name, export.media_type, None, written, deps.blobs.url(key, expires_in),
                            expires_in, newlines)
    return Delivery(export.file_name, export.media_type, b"".join(buffer), size, None, None, newlines)
