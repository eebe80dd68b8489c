"""Anchors: the chain's head, MACed and timestamped, in files outside the database.

An anchor is one JSON file in ``ECERT_AUDIT_ANCHOR_DIR`` (default ``ECERT_HOME/audit-anchors``):
``{"format", "seq", "head", "key_id", "at", "mac", "timestamp"}``. ``mac`` is HMAC-SHA-256
under the audit key over the canonical record (format, seq, head, key_id, at);
``timestamp`` is an RFC 3161 token (DER, base64) over the SHA-256 of the record with its
MAC. The MAC says the office made it (no one without the key can forge one); the token,
checkable by anyone against the timestamp authority's root, says the head existed at that
moment, so a published anchor pins the log's past even against someone who later holds
the key. Deleting the newest events, or rewriting the chain as a whole, no longer matches
the newest anchor.

Why the audit key and not the PDF-signing key: every process that writes events holds
the audit key already (revoking runs where ``ECERT_SIGNER=none``), and the PDF-signing
key (an HSM in production) should sign certificates only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ecert.audit.keys import AuditKey

FORMAT = "ecert-audit-anchor/1"

# What a timestamp authority does for an anchor: the SHA-256 digest in, the DER
# TimeStampToken (a CMS ContentInfo) out. The issuer provides it (its TSA code).
Stamper = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Anchor:
    path: Path
    seq: int
    head: str
    key_id: str
    at: str
    mac: str
    timestamp: bytes

    def record(self) -> dict[str, Any]:
        return {"format": FORMAT, "seq": self.seq, "head": self.head, "key_id": self.key_id, "at": self.at}

    def mac_input(self) -> bytes:
        return _canonical(self.record())

    def timestamp_digest(self) -> bytes:
        return hashlib.sha256(_canonical({**self.record(), "mac": self.mac})).digest()


class AnchorUnreadable(ValueError):
    """The file is not an anchor (not JSON, a field missing or of the wrong type)."""


def write_anchor(directory: Path, *, seq: int, head: str, key: AuditKey, at: datetime, stamper: Stamper) -> Anchor:
    """Write one anchor file (atomically: a reader never sees half of one)."""
    record = {"format": FORMAT, "seq": seq, "head": head, "key_id": key.key_id, "at": at.isoformat()}
    mac = key.mac(_canonical(record))
    token = stamper(hashlib.sha256(_canonical({**record, "mac": mac})).digest())
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"anchor-{seq:012d}-{at.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    body = {**record, "mac": mac, "timestamp": base64.b64encode(token).decode("ascii")}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return read_anchor(path)


def anchor_paths(directory: Path) -> list[Path]:
    """The anchor files, oldest first (by seq, then time: their names sort so)."""
    return sorted(directory.glob("anchor-*.json")) if directory.is_dir() else []


def read_anchor(path: Path) -> Anchor:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise AnchorUnreadable(f"not an {FORMAT} record")
        seq, head, key_id, at, mac = (body[name] for name in ("seq", "head", "key_id", "at", "mac"))
        if not (isinstance(seq, int) and all(isinstance(v, str) for v in (head, key_id, at, mac))):
            raise AnchorUnreadable("a field has the wrong type")
        timestamp = base64.b64decode(body["timestamp"], validate=True)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, binascii.Error) as error:
        raise AnchorUnreadable(str(error)) from None
    return Anchor(path=path, seq=seq, head=head, key_id=key_id, at=at, mac=mac, timestamp=timestamp)


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
