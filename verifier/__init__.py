"""Verifier: public and read-only. Never imports ``issuer``; holds no private keys.

Expected outcomes (tampered, unknown signer, revoked) are verdict values, not
exceptions. ``VerifierError`` is the base of the few real errors (misconfiguration).
"""


class VerifierError(Exception):
    """Base of the verifier's exceptions."""
