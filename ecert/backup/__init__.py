"""``ecert backup DIR`` and ``ecert restore DIR``: the whole state of an instance in one folder.

``layout`` says what is state (the parts: database, blobs, keys, PKI, anchors, the rest of
``ECERT_HOME`` without its caches) and where each part lives for given settings;
``manifest`` describes a backup (every file with its SHA-256 and size) and checks one;
``database`` copies the database (SQLite's online backup API, ``pg_dump -Fc`` /
``pg_restore``); ``service`` takes and restores a backup, each with its audit event;
``commands`` is the command line and ``words`` its sentences.

``BackupError`` is the package's one exception: a code and its parameters (``words`` says
them). Codes: ``backup.target_not_empty`` (dir), ``backup.unsupported_database`` (url),
``backup.no_database`` (file), ``backup.tool_failed`` (tool, reason), ``backup.tool_missing`` (tool, dir),
``restore.no_manifest`` (file), ``restore.manifest_unreadable`` (file, reason),
``restore.format`` (version), ``restore.bad_path`` (file), ``restore.damaged`` (problems:
each a ``Problem`` ``restore.missing`` / ``.size`` / ``.altered`` / ``.unreadable`` naming its file), ``restore.schema`` (backup, revision, ecert_version),
``restore.dialect`` (backup, target), ``restore.home_not_empty`` (home, files),
``restore.database_not_empty`` (tables), ``restore.exists_different`` (path),
``restore.no_target`` (part, setting).
"""

from __future__ import annotations

from collections.abc import Sequence

from ecert import EcertError
from ecert.vocab.problem import Problem


class BackupError(EcertError):
    def __init__(self, code: str, problems: Sequence[Problem] = (), **params: str | int) -> None:
        self.code = code
        self.params = params
        self.problems = tuple(problems)
        details = "; ".join(f"{p.code} {dict(p.params)}" for p in self.problems)
        super().__init__(f"{code} {params}" + (f": {details}" if details else ""))
