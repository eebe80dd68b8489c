"""我的证书: the holder portal. A logged-in holder sees the certificates of the one ID
number the account is bound to, downloads each version's signed PDF as stored, and
binds the account with an activation code when the registry could not confirm it.

Every object is checked against the logged-in holder: another holder's certificate is
404, exactly like one that does not exist.
"""

from __future__ import annotations

from ecert import EcertError


class PortalError(EcertError):
    """Base of every error this package raises."""
