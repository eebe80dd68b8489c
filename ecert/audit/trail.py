"""What a process needs to write and check the audit log: its keys, where anchors go, and
(once the issuer has handed one over) a timestamp authority to anchor with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ecert.audit.anchors import Anchor, AnchorUnreadable, Stamper, anchor_paths, read_anchor, write_anchor
from ecert.audit.chain import GENESIS
from ecert.audit.errors import AuditError
from ecert.audit.keys import AuditKeyring
from ecert.db import Database
from ecert.models import AuditEvent
from ecert.settings import Settings


class AuditTrail:
    def __init__(self, keys: AuditKeyring, anchor_dir: Path, trust_roots_path: Path) -> None:
        self.keys = keys
        self.anchor_dir = anchor_dir
        self.trust_roots_path = trust_roots_path
        # Set by the issuer (``issuer.extension``): the kernel holds no TSA code of its own.
        self.stamper: Stamper | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditTrail:
        return cls(AuditKeyring(settings), settings.audit_anchor_path, settings.trust_roots_path)

    def newest_anchor(self) -> Anchor | None:
        for path in reversed(anchor_paths(self.anchor_dir)):
            try:
                return read_anchor(path)
            except AnchorUnreadable:
                continue
        return None

    def anchor(self, db: Database, *, at: datetime, only_if_new: bool = False) -> Anchor | None:
        """Anchor the chain's head now; with ``only_if_new`` (a batch end), not when the
        newest anchor already holds this head. Runs after the batch committed: a failure
        here undoes nothing and names what failed (``ecert audit anchor`` retries)."""
        with db.read() as session:
            tail = session.execute(
                select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
            ).first()
        seq, head = (int(tail[0]), str(tail[1])) if tail else (0, GENESIS)
        if only_if_new:
            newest = self.newest_anchor()
            if newest is not None and (newest.seq, newest.head) == (seq, head):
                return None
        if self.stamper is None:
            raise AuditError("audit.no_timestamper")
        key = self.keys.current
        try:
            return write_anchor(self.anchor_dir, seq=seq, head=head, key=key, at=at, stamper=self.stamper)
        except AuditError:
            raise
        except Exception as error:  # the TSA (network, refusal) or the folder (permissions, disk)
            raise AuditError("audit.anchor_failed", reason=f"{type(error).__name__}: {error}".splitlines()[0]) from None


def anchor_batch_end(db: Database, *, at: datetime) -> Anchor | None:
    """At the end of a batch (issue, revoke, correct): anchor the head if it moved."""
    trail = db.audit
    if not isinstance(trail, AuditTrail):
        raise AuditError("audit.no_trail")
    return trail.anchor(db, at=at, only_if_new=True)
