"""Content-addressed blob store: a blob's name is the SHA-256 of its bytes.

Writing the same bytes twice is a no-op, so a retried issuance never leaves two
copies, and a blob can never be changed in place.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from ecert import EcertError
from ecert.files import write_atomic


class BlobNotFound(EcertError):
    """No blob under that name, or none that can be read."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def delete(self, sha256: str) -> bool: ...


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise BlobNotFound(f"not a blob name: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, 0o600)  # holders' PDFs and photos: readable by the service only
        return sha256

    def get(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(f"blob {sha256} is missing from {self.root}") from None
        except OSError as error:  # a folder in its place, no permission: as good as missing
            raise BlobNotFound(f"blob {sha256} cannot be read from {self.root}: {error.strerror or error}") from None

    def delete(self, sha256: str) -> bool:
        """Remove the blob; False when there was none. Only for data whose retention ended
        (``legacy_import.retention``): the caller has made sure no row names it any more."""
        try:
            self._path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True
