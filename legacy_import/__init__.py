"""Legacy import: registration, checks and review of pre-2021 paper certificates.

Exceptions::

    LegacyImportError
     ├── IllegalTransition   an application asked to move where its status does not allow
     └── NotAllowed          a person who may not take this step on this application
"""

from __future__ import annotations


class LegacyImportError(Exception):
    """Base of the package's exceptions."""


class IllegalTransition(LegacyImportError):
    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"{action} is not possible from {status}")
        self.status, self.action = status, action


class NotAllowed(LegacyImportError):
    """``code``: why (``same_person``, ``applicant``, ``role``, ``not_owner``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
