"""The audit log's one exception: a code and its parameters (``ecert.audit.words`` says them).

Codes: ``audit.key_missing`` (production, no ``ECERT_AUDIT_KEY_FILE``: no event is
written), ``audit.key_unreadable`` (path, reason), ``audit.key_format`` (path, bytes),
``audit.no_trail`` (the database was opened without the audit key and anchor settings),
``audit.no_timestamper`` (no timestamp authority to anchor with), ``audit.anchor_failed``
(reason: the TSA or the anchor directory failed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ecert import EcertError


class AuditError(EcertError):
    _SENTENCES: ClassVar[Mapping[str, str]] = {
        "audit.key_missing": "production needs ECERT_AUDIT_KEY_FILE (the audit log's HMAC key) to write audit events; nothing was written",
        "audit.key_unreadable": "cannot read the audit key {path}: {reason}",
        "audit.key_format": "the audit key {path} must hold at least {bytes} random bytes as hex on one line",
        "audit.no_trail": "this database was opened without the audit key settings",
        "audit.no_timestamper": "no timestamp authority to anchor the audit log with",
        "audit.anchor_failed": "could not write the audit anchor: {reason}",
    }

    def __init__(self, code: str, **params: str | int) -> None:
        self.code = code
        self.params = params
        super().__init__(self._SENTENCES[code].format(**params))
