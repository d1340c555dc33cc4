"""The blob port (exports, uploaded statements, receipts, invoice PDFs, backups) and its two adapters.

Keys are relative paths such as ``org/<org_id>/exports/fec-2026.txt``; the organization prefix is how blobs are
kept apart per tenant. Both adapters accept a stream of chunks so large exports are never built whole in memory,
and hand back a time-limited download URL: an S3 presigned GET, or for local files a signed path that the local
server can verify (``verify_download_token``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from chalicelib.core.errors import NotFound, Unavailable
from chalicelib.store.port import StoreError

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,511}$")
CHUNK = 1024 * 1024


class BlobStore(Protocol):
    def put(self, key: str, data: bytes | Iterable[bytes], content_type: str = "application/octet-stream") -> int:
        """Store ``data`` (bytes or an iterable of chunks) under ``key``; return the number of bytes written."""
        ...

    def get(self, key: str) -> bytes: ...

    def stream(self, key: str) -> Iterator[bytes]:
        """The blob's bytes in chunks; ``NotFound`` when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; removing an absent blob is not an error."""
        ...

    def url(self, key: str, expires_in: int = 3600) -> str:
        """A URL that downloads the blob for ``expires_in`` seconds."""
        ...


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key.split("/") or "//" in key or key.endswith("/"):
        raise ValueError(f"invalid blob key {key!r}")
    return key


def _chunks(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return [data] if isinstance(data, bytes) else data


class FileBlobStore:
    """Blobs as files under one directory; writes go to a temporary file renamed into place (atomic)."""

    def __init__(self, root: Path, signing_key: bytes) -> None:
        self._root = root
        self._signing_key = signing_key
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    def put(self, key: str, data: bytes | Iterable[bytes], content_type: str = "application/octet-stream") -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        size = 0
        try:
            with tmp.open("wb") as fh:
                for chunk in _chunks(data):
                    fh.write(chunk)
                    size += len(chunk)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    def get(self, key: str) -> bytes:
        return b"".join(self.stream(key))

    def stream(self, key: str) -> Iterator[bytes]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"blob {key} not found", code="blob_not_found")
        return self._read(path)

    @staticmethod
    def _read(path: Path) -> Iterator[bytes]:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str, expires_in: int = 3600) -> str:
        expires = int(time.time()) + expires_in
        return f"/downloads/{check_key(key)}?expires={expires}&signature={self._sign(key, expires)}"

    def _sign(self, key: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def verify_download_token(self, key: str, expires: int, signature: str) -> bool:
        expected = self._sign(key, expires).encode()
        return expires >= int(time.time()) and hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


class _ChunkReader:
    """A file-like view over an iterable of chunks, so boto3 can upload a stream in multipart pieces."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buffer = b""
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._it, None)
            if chunk is None:
                break
            self._buffer += chunk
        out, self._buffer = (self._buffer, b"") if n < 0 else (self._buffer[:n], self._buffer[n:])
        self.size += len(out)
        return out


class S3BlobStore:
    """Blobs in one S3 bucket (server-side encrypted by the bucket's default)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, data: bytes | Iterable[bytes], content_type: str = "application/octet-stream") -> int:
        reader = _ChunkReader(_chunks(data))
        with self._translate(key):
            self._client.upload_fileobj(
                reader, self._bucket, check_key(key), ExtraArgs={"ContentType": content_type}
            )
        return reader.size

    def get(self, key: str) -> bytes:
        return b"".join(self.stream(key))

    def stream(self, key: str) -> Iterator[bytes]:
        with self._translate(key):
            body = self._client.get_object(Bucket=self._bucket, Key=check_key(key))["Body"]
        return iter(lambda: body.read(CHUNK), b"")

    def exists(self, key: str) -> bool:
        try:
            with self._translate(key):
                self._client.head_object(Bucket=self._bucket, Key=check_key(key))
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._translate(key):
            self._client.delete_object(Bucket=self._bucket, Key=check_key(key))

    def url(self, key: str, expires_in: int = 3600) -> str:
        with self._translate(key):
            return str(
                self._client.generate_presigned_url(
                    "get_object", Params={"Bucket": self._bucket, "Key": check_key(key)}, ExpiresIn=expires_in
                )
            )

    @contextmanager
    def _translate(self, key: str) -> Iterator[None]:
        # Lazy: only the S3 backend needs botocore, and a cold start on the embedded backend should not load it.
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in {"NoSuchKey", "404", "NotFound"}:
                raise NotFound(f"blob {key} not found", code="blob_not_found") from exc
            if code in {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}:
                raise Unavailable("the blob store is busy; retry", code="blobs_busy") from exc
            raise StoreError("the blob store failed") from exc
        except BotoCoreError as exc:
            raise Unavailable("the blob store could not be reached; retry", code="blobs_unreachable") from exc
