"""The audit log: an HMAC-chained event log (``chain``) under a key held outside the
database (``keys``), anchored in timestamped files (``anchors``), checked with the
registry (``replay``, ``verify``). ``AuditError`` (``errors``) is the package's one exception.

Callers write ``from ecert import audit`` and ``audit.append(session, ...)`` inside the
state change's write transaction.
"""

from ecert.audit.chain import GENESIS, ChainReport, append, canonical, event_hash, sha256_text, verify_chain
from ecert.audit.errors import AuditError
from ecert.audit.keys import AuditKey, AuditKeyring
from ecert.audit.trail import AuditTrail, anchor_batch_end

__all__ = [
    "GENESIS",
    "AuditError",
    "AuditKey",
    "AuditKeyring",
    "AuditTrail",
    "ChainReport",
    "anchor_batch_end",
    "append",
    "canonical",
    "event_hash",
    "sha256_text",
    "verify_chain",
]
