"""The blob port's contract, run identically against local files and S3 (moto)."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import NotFound
from chalicelib.store.blobs import BlobStore, FileBlobStore
from tests.conftest import unique


def test_put_then_get_round_trips_bytes(blobs: BlobStore) -> None:
    key = f"org/{unique()}/exports/fec.txt"
    assert blobs.put(key, b"hello\xff", "text/plain") == 6
    assert blobs.get(key) == b"hello\xff"
    assert blobs.exists(key)


def test_streamed_put_of_many_chunks_is_stored_whole(blobs: BlobStore) -> None:
    key = f"org/{unique()}/big.bin"
    chunks = [bytes([i % 251]) * 700_000 for i in range(12)]  # > 8 MiB: a multipart upload on S3
    assert blobs.put(key, iter(chunks)) == sum(map(len, chunks))
    assert b"".join(blobs.stream(key)) == b"".join(chunks)


def test_get_of_absent_blob_is_not_found(blobs: BlobStore) -> None:
    with pytest.raises(NotFound):
        blobs.get(f"org/{unique()}/missing")
    assert not blobs.exists(f"org/{unique()}/missing")


def test_delete_removes_and_is_idempotent(blobs: BlobStore) -> None:
    key = f"org/{unique()}/x"
    blobs.put(key, b"x")
    blobs.delete(key)
    blobs.delete(key)
    assert not blobs.exists(key)


def test_overwrite_replaces_content(blobs: BlobStore) -> None:
    key = f"org/{unique()}/x"
    blobs.put(key, b"first")
    blobs.put(key, b"second")
    assert blobs.get(key) == b"second"


@pytest.mark.parametrize("key", ["../etc/passwd", "org/../../x", "/abs", "", "a//b"])
def test_keys_that_escape_their_folder_are_refused(blobs: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        blobs.put(key, b"x")


def test_url_downloads_for_a_limited_time(blobs: BlobStore) -> None:
    key = f"org/{unique()}/report.json"
    blobs.put(key, b"{}", "application/json")
    url = blobs.url(key, expires_in=300)
    assert key in url
    if isinstance(blobs, FileBlobStore):
        query = dict(part.split("=") for part in url.split("?")[1].split("&"))
        assert blobs.verify_download_token(key, int(query["expires"]), query["signature"])
        assert not blobs.verify_download_token(key, int(query["expires"]), "0" * 64)
        assert not blobs.verify_download_token(key, 1, query["signature"])
    else:
        assert "Signature" in url or "X-Amz-Signature" in url
