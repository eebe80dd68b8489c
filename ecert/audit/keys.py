"""The audit key: the HMAC-SHA-256 secret that chains the audit log, held outside the database.

Whoever can write to the database can rewrite rows and recompute plain hashes; without
this key they cannot recompute the MACs. It is its own secret, separate from the
PDF-signing key and the QR claim key: revoking needs no PDF signer, and a stolen audit
key forges no certificate.

- ``ECERT_AUDIT_KEY_FILE``: the current key (appends and anchors use it). In development,
  when unset, ``ECERT_HOME/audit-key`` is generated on first use (0600). Production
  refuses to append without a configured file; a verifier-only process never appends and
  never loads it.
- ``ECERT_AUDIT_RETIRED_KEY_FILES``: earlier keys (``os.pathsep``-separated), read only to
  verify events and anchors they made: rotation is a new current file plus the old one
  here. Each event stores its key's id, so the verifier picks the right key.

A key file holds 32 or more random bytes, hex-encoded on one line. Its id is derived from
the key itself (``HMAC(key, "ecert audit key id")``, 16 hex digits): printable, and it
tells nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ecert.audit.errors import AuditError
from ecert.settings import Settings

MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes

    @classmethod
    def of(cls, secret: bytes) -> AuditKey:
        key_id = hmac.new(secret, b"ecert audit key id", hashlib.sha256).hexdigest()[:16]
        return cls(key_id=key_id, secret=secret)

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def read_key(path: Path) -> AuditKey:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise AuditError("audit.key_unreadable", path=str(path), reason=getattr(error, "strerror", None) or str(error))
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < MIN_KEY_BYTES:
        raise AuditError("audit.key_format", path=str(path), bytes=MIN_KEY_BYTES)
    return AuditKey.of(secret)


def create_key_file(path: Path) -> None:
    """A new random key at ``path``, readable by its owner only. Never overwrites one, and
    appears whole (written aside, then linked): a process racing to create it reads either
    nothing (``FileExistsError`` for the loser) or the complete key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")
        os.link(aside, path)
    finally:
        aside.unlink()


def development_key_path(settings: Settings) -> Path:
    return settings.home / "audit-key"


class AuditKeyring:
    """The current key (loaded on first use: a process that never appends never needs it)
    and the retired ones, by id."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @cached_property
    def current(self) -> AuditKey:
        settings = self._settings
        if settings.audit_key_file is not None:
            return read_key(settings.audit_key_file)
        if settings.is_production:
            # Checked when an event is about to be written, inside its transaction: the
            # raise rolls the whole state change back, so nothing is half-committed.
            raise AuditError("audit.key_missing")
        path = development_key_path(settings)
        if not path.exists():
            try:
                create_key_file(path)
            except FileExistsError:  # another process created it first
                pass
        return read_key(path)

    @cached_property
    def retired(self) -> dict[str, AuditKey]:
        keys = (read_key(path) for path in self._settings.audit_retired_key_files)
        return {key.key_id: key for key in keys}

    def find(self, key_id: str) -> AuditKey | None:
        """The key with ``key_id`` among the current and retired ones (None if unknown)."""
        if key_id in self.retired:
            return self.retired[key_id]
        current = self.current_or_none()
        return current if current is not None and current.key_id == key_id else None

    def current_or_none(self) -> AuditKey | None:
        """The current key, or None where none is configured (a verifier without the key)."""
        try:
            return self.current
        except AuditError as error:
            if error.code == "audit.key_missing":
                return None
            raise
