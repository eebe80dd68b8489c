"""Take a backup of a running instance; restore one onto an empty instance.

Order of a backup, and why: the audit anchors are copied *before* the database, every other
part *after* it. An anchor only ever names a head already committed, so anchors copied
first name heads the copy holds; an anchor copied later could name events the copy lacks,
and the restored log would look truncated. Blobs and keys only ever grow, and a row names a
blob or a QR key only after it exists, so copied after the database they cover every row.

The ``backup.taken`` event is written once the backup is whole (its manifest on disk), and
names the manifest's SHA-256; it is not inside the backup, which is a moment before it. A
restore writes ``backup.restored`` naming the same manifest: on SQLite in the restored
database before it moves into place (the database appears with its event, or not at all);
on PostgreSQL right after ``pg_restore``'s own single transaction (two tools cannot share
one), so a failure between them is said and a rerun refuses the filled database.

A restore refuses, before writing anything, a damaged or partial backup, another schema
revision than this code's, another database kind, a database that has tables, and a home
(or configured key path) that holds state other than the backup's own files. It never
overwrites: files already there with the backup's exact content are kept (a restore that
died halfway can be run again onto the same home once its database is empty), the
development session secret a first start generates is replaced, anything else stops it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path, PurePosixPath

from ecert import audit
from ecert.audit import AuditTrail
from ecert.backup import BackupError
from ecert.backup import database as db_copy
from ecert.backup.layout import DATABASE, DEVELOPMENT_SECRET, HOME, Part, StateFile, parts, setting_of, state_files
from ecert.backup.manifest import FileEntry, Manifest, check_backup, copy_hashed, hash_file, write_manifest
from ecert.db import Database, connect
from ecert.migrate import head_revision
from ecert.settings import Settings

PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    manifest: Manifest
    manifest_sha256: str
    event_seq: int


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    manifest_sha256: str
    written: int  #: files written
    kept: int  #: files already there with the backup's content
    event_seq: int


class _Writer:
    """Files copied into the backup folder, each private (0600, folders 0700): a backup
    holds private keys and holders' personal data."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: list[FileEntry] = []
        self.dirs: dict[str, int] = {}

    def folder(self, relative: PurePosixPath) -> Path:
        path = self.directory
        for piece in relative.parts:  # each level private, not only the last (mkdir's parents are not)
            path = path / piece
            if not path.is_dir():
                path.mkdir(mode=PRIVATE_DIR)
                os.chmod(path, PRIVATE_DIR)
        return path

    def add(self, state: StateFile) -> None:
        part = state.part
        relative = PurePosixPath(part.name) / (state.relative if part.kind == "dir" else state.path.name)
        self.folder(relative.parent)
        if part.kind == "dir":  # remember the permissions of each folder on the way (pki/: 0700)
            here, source = PurePosixPath(part.name), part.path
            self.dirs.setdefault(str(here), _mode(source))
            for piece in PurePosixPath(state.relative).parts[:-1]:
                here, source = here / piece, source / piece
                self.dirs.setdefault(str(here), _mode(source))
        mode = _mode(state.path)
        size, sha256 = copy_hashed(state.path, self.directory / relative, PRIVATE_FILE)
        self.files.append(FileEntry(path=str(relative), size=size, sha256=sha256, mode=mode))


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _copy_parts(settings: Settings, directory: Path, kind: str, at: datetime) -> Manifest:
    writer = _Writer(directory)
    for state in list(state_files(settings, besides=directory)):  # anchors first (see the module docstring)
        if state.part.name == "audit-anchors":
            writer.add(state)
    dump = writer.folder(PurePosixPath(DATABASE)) / db_copy.dump_name(kind)
    if kind == "sqlite":
        snapshot = db_copy.copy_sqlite(settings.database_url, dump)
    else:
        snapshot = db_copy.dump_postgres(settings.database_url, dump, settings.pg_bin_dir)
    size, sha256 = hash_file(dump)
    writer.files.append(FileEntry(path=f"{DATABASE}/{dump.name}", size=size, sha256=sha256, mode=PRIVATE_FILE))
    # Listed anew: files appear while the database is copied.
    for state in list(state_files(settings, besides=directory)):
        if state.part.name != "audit-anchors":
            writer.add(state)
    return Manifest(
        created_at=at.isoformat(),
        ecert_version=version("ecert"),
        schema_revision=snapshot.revision,
        database={"dialect": kind, "path": f"{DATABASE}/{dump.name}"},
        audit_head={"seq": snapshot.head_seq, "hash": snapshot.head_hash},
        certificates=snapshot.certificates,
        parts={p.name: {"kind": p.kind, "source": str(p.path)} for p in parts(settings)},
        files=tuple(writer.files),
        dirs=writer.dirs,
    )


def take_backup(settings: Settings, db: Database, directory: Path, *, at: datetime, actor: str) -> BackupResult:
    kind = db_copy.dialect(settings.database_url)
    db_copy.require_tool(kind, settings.pg_bin_dir, "pg_dump")
    directory = directory.absolute()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError("backup.target_not_empty", dir=str(directory))
    directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(directory, PRIVATE_DIR)
    try:
        manifest = _copy_parts(settings, directory, kind, at)
    except BaseException:
        # A half backup is worse than none (it could be taken for one): what this call wrote
        # goes, the folder was new or empty.
        for child in list(directory.iterdir()):
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        raise
    os.sync()  # every file on disk before the manifest says the backup is whole
    manifest_sha256 = write_manifest(directory, manifest)
    with db.write() as session:
        event = audit.append(
            session,
            actor=actor,
            action="backup.taken",
            subject=f"backup:{manifest_sha256[:16]}",
            payload={
                "manifest_sha256": manifest_sha256,
                "directory": str(directory),
                "files": len(manifest.files),
                "bytes": manifest.total_bytes,
                "schema_revision": manifest.schema_revision,
                "audit_head_seq": manifest.audit_head["seq"],
                "certificates": manifest.certificates,
            },
            at=at,
        )
        seq = event.seq
    return BackupResult(directory=directory, manifest=manifest, manifest_sha256=manifest_sha256, event_seq=seq)


@dataclass(frozen=True)
class _Planned:
    entry: FileEntry
    target: Path
    keep: bool  #: already there with this content


def _plan(settings: Settings, manifest: Manifest, directory: Path) -> list[_Planned]:
    """Where each file of the backup goes for these settings; refuses a target holding
    anything else (``restore.no_target``, ``restore.exists_different``, ``restore.home_not_empty``)."""
    here = {p.name: p for p in parts(settings)}
    for name in manifest.parts:
        if name not in here and any(e.path.startswith(f"{name}/") for e in manifest.files):
            raise BackupError("restore.no_target", part=name, setting=setting_of(name))
    planned: list[_Planned] = []
    for entry in manifest.files:
        name, _slash, relative = entry.path.partition("/")
        if name == DATABASE:
            continue
        part = here[name]
        target = part.path if part.kind == "file" else part.path.joinpath(*PurePosixPath(relative).parts)
        keep = False
        if target.exists():
            if target.is_file() and hash_file(target) == (entry.size, entry.sha256):
                keep = True
            elif not (name == HOME and relative == DEVELOPMENT_SECRET):
                raise BackupError("restore.exists_different", path=str(target))
        planned.append(_Planned(entry, target, keep))
    targets = {p.target for p in planned}
    others = [
        str(s.path)
        for s in state_files(settings, besides=directory)
        if s.path.absolute() not in targets and not (s.part.name == HOME and s.relative == DEVELOPMENT_SECRET)
    ]
    if others:
        raise BackupError("restore.home_not_empty", home=str(settings.home), files=", ".join(others[:5]))
    return planned


def _folder_targets(settings: Settings, manifest: Manifest) -> list[tuple[Path, int]]:
    here = {p.name: p for p in parts(settings)}
    found = []
    for name, mode in manifest.dirs.items():
        part_name, _slash, relative = name.partition("/")
        part = here.get(part_name)
        if isinstance(part, Part) and part.kind == "dir":
            found.append((part.path.joinpath(*PurePosixPath(relative).parts), mode))
    return found


def restore_backup(
    settings: Settings,
    directory: Path,
    *,
    at: datetime,
    actor: str,
    open_database: Callable[[str, AuditTrail], Database] = lambda url, trail: connect(url, audit=trail),
) -> RestoreResult:
    directory = directory.absolute()
    manifest, manifest_sha256 = check_backup(directory)
    if manifest.schema_revision != head_revision():
        raise BackupError(
            "restore.schema",
            backup=str(manifest.schema_revision),
            revision=head_revision(),
            ecert_version=manifest.ecert_version,
        )
    kind = db_copy.dialect(settings.database_url)
    if manifest.database.get("dialect") != kind:
        raise BackupError("restore.dialect", backup=manifest.database.get("dialect", "?"), target=kind)
    db_copy.require_tool(kind, settings.pg_bin_dir, "pg_restore")
    planned = _plan(settings, manifest, directory)
    tables = db_copy.table_count(settings.database_url)
    if tables:
        raise BackupError("restore.database_not_empty", tables=tables)

    # Everything checked: from here on, writing.
    for folder, _mode_of in _folder_targets(settings, manifest):
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    written = 0
    for item in planned:
        if item.keep:
            continue
        item.target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        aside = item.target.with_name(f".{item.target.name}.{secrets.token_hex(4)}.tmp")
        try:
            copy_hashed(directory / item.entry.path, aside, item.entry.mode)
            os.replace(aside, item.target)
        finally:
            aside.unlink(missing_ok=True)
        written += 1
    for folder, mode in _folder_targets(settings, manifest):
        os.chmod(folder, mode)
    os.sync()  # the files on disk before the database that names them appears

    event_seq = 0

    def write_event(url: str) -> None:
        nonlocal event_seq
        database = open_database(url, AuditTrail.from_settings(settings))  # the key just restored
        try:
            with database.write() as session:
                event = audit.append(
                    session,
                    actor=actor,
                    action="backup.restored",
                    subject=f"backup:{manifest_sha256[:16]}",
                    payload={
                        "manifest_sha256": manifest_sha256,
                        "created_at": manifest.created_at,
                        "source_audit_head": manifest.audit_head,
                        "files": len(manifest.files),
                        "bytes": manifest.total_bytes,
                    },
                    at=at,
                )
                event_seq = event.seq
        finally:
            database.dispose()

    dump = directory / manifest.database["path"]
    if kind == "sqlite":
        db_copy.restore_sqlite(dump, settings.database_url, write_event)
    else:
        db_copy.restore_postgres(dump, settings.database_url, settings.pg_bin_dir)
        write_event(settings.database_url)
    return RestoreResult(
        manifest=manifest,
        manifest_sha256=manifest_sha256,
        written=written,
        kept=len(planned) - written,
        event_seq=event_seq,
    )
