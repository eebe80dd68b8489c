"""The staff console: search the registry (audited), and, as they arrive, correct,
revoke, issue and review. Every page needs a staff login with TOTP; the action table of
``accounts.roles`` says which roles may do what. Holders get 404 here, as staff do in
我的证书.
"""

from __future__ import annotations

from ecert import EcertError


class ConsoleError(EcertError):
    """Base of every error this package raises."""
