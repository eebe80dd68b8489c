"""``ecert audit verify``: the chain, its anchors and the registry, checked together.

Problems come in this order, each a ``Problem`` for the edge to put in words: the chain's
(``ecert.audit.chain``), then the anchors', then the registry's (``ecert.audit.replay``), then the use copies' (``ecert.audit.use_copies``).
Anchor codes (``file`` is the anchor's file name): ``anchor.unreadable`` (file, reason),
``anchor.unknown_key`` (file, key_id), ``anchor.forged`` (file: its MAC does not hold),
``anchor.timestamp`` (file, reason: the RFC 3161 token does not verify),
``anchor.truncated`` (file, seq, last: the log ends before the anchored event),
``anchor.mismatch`` (file, seq: the event at the anchored seq is not the anchored one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.audit.anchors import Anchor, AnchorUnreadable, anchor_paths, read_anchor
from ecert.audit.chain import GENESIS, ChainReport, verify_chain
from ecert.audit.replay import compare_registry
from ecert.audit.timestamps import check_token
from ecert.audit.trail import AuditTrail
from ecert.audit.use_copies import compare_use_copies
from ecert.models import AuditEvent
from ecert.vocab.problem import Problem
from ecert.x509 import CertificateFormatError, read_certificates


@dataclass(frozen=True)
class AuditReport:
    chain: ChainReport
    anchors: int  #: anchor files checked
    newest: Anchor | None  #: the newest anchor that holds
    certificates: int  #: certificate versions compared with their events
    problems: list[Problem] = field(default_factory=list)
    use_copies: int = 0  #: use copies (加注件) compared with their events

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unanchored(self) -> int:
        """Events after the newest anchor: a deleted tail among them cannot be seen yet."""
        return self.chain.head_seq - (self.newest.seq if self.newest else 0)


def verify_audit(session: Session, trail: AuditTrail, *, anchor_dir: Path | None = None) -> AuditReport:
    """Check everything; ``anchor_dir`` is a published copy of the anchors to check against
    (by default the folder this deployment writes them to)."""
    chain = verify_chain(session, trail.keys)
    anchor_problems, newest, count = _check_anchors(session, trail, chain, anchor_dir or trail.anchor_dir)
    certificates, registry_problems = compare_registry(session)
    use_copies, use_copy_problems = compare_use_copies(session)
    return AuditReport(
        chain=chain,
        anchors=count,
        newest=newest,
        certificates=certificates,
        problems=[*chain.problems, *anchor_problems, *registry_problems, *use_copy_problems],
        use_copies=use_copies,
    )


def _check_anchors(
    session: Session, trail: AuditTrail, chain: ChainReport, anchor_dir: Path
) -> tuple[list[Problem], Anchor | None, int]:
    paths = anchor_paths(anchor_dir)
    if not paths:
        return [], None, 0
    try:
        roots = read_certificates(trail.trust_roots_path)
    except (CertificateFormatError, OSError) as error:
        roots, roots_problem = [], str(error)
    else:
        roots_problem = ""
    problems: list[Problem] = []
    newest: Anchor | None = None
    for path in paths:
        problem, anchor = _check_anchor(session, trail, chain, path, roots, roots_problem)
        if problem is not None:
            problems.append(problem)
        elif anchor is not None:
            newest = anchor
    return problems, newest, len(paths)


def _check_anchor(
    session: Session, trail: AuditTrail, chain: ChainReport, path: Path, roots: list, roots_problem: str
) -> tuple[Problem | None, Anchor | None]:
    name = path.name
    try:
        anchor = read_anchor(path)
    except AnchorUnreadable as error:
        return Problem("anchor.unreadable", {"file": name, "reason": str(error)}), None
    key = trail.keys.find(anchor.key_id)
    if key is None:
        return Problem("anchor.unknown_key", {"file": name, "key_id": anchor.key_id}), None
    if key.mac(anchor.mac_input()) != anchor.mac:
        return Problem("anchor.forged", {"file": name}), None
    token = check_token(anchor.timestamp, anchor.timestamp_digest(), roots)
    if not token.ok:
        return Problem("anchor.timestamp", {"file": name, "reason": roots_problem or token.reason or ""}), None
    if anchor.seq > chain.head_seq:
        return Problem("anchor.truncated", {"file": name, "seq": anchor.seq, "last": chain.head_seq}), None
    at_seq = GENESIS if anchor.seq == 0 else session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor.seq))
    if at_seq != anchor.head:
        return Problem("anchor.mismatch", {"file": name, "seq": anchor.seq}), None
    return None, anchor
