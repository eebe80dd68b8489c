"""The manifest of a backup (``manifest.json``) and the check a restore runs before it
writes anything.

The manifest is written last: a folder without one is a backup that never finished. It
lists every file with its size, SHA-256 and original permissions, so a restore can tell a
damaged or partial copy (a byte changed, a file lost on the way to tape) from a whole one,
and name the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ecert.backup import BackupError
from ecert.vocab.problem import Problem

FORMAT = "ecert-backup"
VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileEntry:
    path: str  #: "/"-separated, inside the backup; its first component names its part
    size: int
    sha256: str
    mode: int  #: the permissions the file had, given back on restore


@dataclass(frozen=True)
class Manifest:
    created_at: str
    ecert_version: str
    schema_revision: str | None
    database: dict[str, str]  #: {"dialect": "sqlite" | "postgresql", "path": the dump's entry}
    audit_head: dict[str, Any]  #: {"seq", "hash"} of the database copied
    certificates: int  #: certificate versions in the database copied
    parts: dict[str, dict[str, str]]  #: name -> {"kind", "source"}
    files: tuple[FileEntry, ...]
    dirs: dict[str, int] = field(default_factory=dict)  #: folder path -> permissions
    version: int = VERSION

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.files)

    def as_json(self) -> dict[str, Any]:
        body = {"format": FORMAT, **asdict(self)}
        body["files"] = [asdict(entry) for entry in self.files]
        return body


def hash_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def copy_hashed(source: Path, target: Path, mode: int) -> tuple[int, str]:
    """Copy ``source`` to a new file ``target`` (``mode``), hashing the bytes written. Not
    synced one by one (that costs 4-10x here): the caller syncs once when all are written."""
    digest, size = hashlib.sha256(), 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with source.open("rb") as reader, os.fdopen(descriptor, "wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    os.chmod(target, mode)  # O_CREAT's mode is masked by the umask
    return size, digest.hexdigest()


def write_manifest(directory: Path, manifest: Manifest) -> str:
    """Write ``manifest.json`` (0600, atomically) and return its SHA-256."""
    data = (json.dumps(manifest.as_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    temporary = directory / f".{MANIFEST}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / MANIFEST)
    return hashlib.sha256(data).hexdigest()


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    try:
        body = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BackupError("restore.no_manifest", file=str(path)) from None
    except (OSError, ValueError) as error:
        raise BackupError("restore.manifest_unreadable", file=str(path), reason=str(error)) from None
    try:
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"not an {FORMAT} manifest")
        if body.get("version") != VERSION:
            raise BackupError("restore.format", version=str(body.get("version")))
        files = tuple(
            FileEntry(path=str(e["path"]), size=int(e["size"]), sha256=str(e["sha256"]), mode=int(e["mode"]))
            for e in body["files"]
        )
        manifest = Manifest(
            created_at=str(body["created_at"]),
            ecert_version=str(body["ecert_version"]),
            schema_revision=body["schema_revision"],
            database={str(k): str(v) for k, v in body["database"].items()},
            audit_head=dict(body["audit_head"]),
            certificates=int(body["certificates"]),
            parts={str(name): {str(k): str(v) for k, v in part.items()} for name, part in body["parts"].items()},
            files=files,
            dirs={str(k): int(v) for k, v in body.get("dirs", {}).items()},
        )
    except BackupError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BackupError("restore.manifest_unreadable", file=str(path), reason=str(error)) from None
    for entry_path, depth in [(entry.path, 2) for entry in files] + [(name, 1) for name in manifest.dirs]:
        if not _inside(entry_path, manifest, depth):
            raise BackupError("restore.bad_path", file=entry_path)
    return manifest


def _inside(entry_path: str, manifest: Manifest, depth: int) -> bool:
    """A path that stays inside the backup and belongs to a part (never ``../`` or ``/etc``)."""
    pure = PurePosixPath(entry_path)
    return (
        not pure.is_absolute()
        and ".." not in pure.parts
        and len(pure.parts) >= depth
        and (pure.parts[0] in manifest.parts or pure.parts[0] == "database")
    )


def check_backup(directory: Path) -> tuple[Manifest, str]:
    """The manifest, once every file it lists is there with its size and SHA-256; otherwise
    ``restore.damaged`` naming each file that is missing, shorter, longer or altered.
    Also the manifest's own SHA-256: the backup's identity in the audit log."""
    manifest = read_manifest(directory)
    _size, manifest_sha256 = hash_file(directory / MANIFEST)
    problems: list[Problem] = []
    for entry in manifest.files:
        path = directory / entry.path
        if not path.is_file():
            problems.append(Problem("restore.missing", {"file": entry.path}))
            continue
        try:
            size, sha256 = hash_file(path)
        except OSError as error:
            problems.append(Problem("restore.unreadable", {"file": entry.path, "reason": error.strerror or str(error)}))
            continue
        if size != entry.size:
            problems.append(Problem("restore.size", {"file": entry.path, "expected": entry.size, "actual": size}))
        elif sha256 != entry.sha256:
            problems.append(Problem("restore.altered", {"file": entry.path}))
    if problems:
        raise BackupError("restore.damaged", problems)
    return manifest, manifest_sha256
