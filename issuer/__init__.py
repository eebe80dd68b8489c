"""Issuer: everything that makes a certificate. The only package that touches private keys.

Exceptions (all derive from ``IssuerError``):
- ``DecisionFileError``: a decisions file that cannot be read at all (encoding, header).
- ``RenderingError``: a certificate could not be rendered (missing font, bad photo).
- ``PKIError``: the signing keys or certificates are missing, unusable or misconfigured.
- ``SigningError``: signing or timestamping failed.
- ``issuer.services.issuance.IssuanceFailed``: a validated row could not be issued (what
  failed, and whether the number it had reserved was released).

Invalid rows of a decisions file are not exceptions: they are returned as row errors.
"""


class IssuerError(Exception):
    """Base of the issuer's exceptions."""


class DecisionFileError(IssuerError):
    """The decisions file as a whole cannot be read."""


class RenderingError(IssuerError):
    """The certificate PDF could not be rendered."""


class PKIError(IssuerError):
    """Keys or certificates for signing are missing or unusable."""


class SigningError(IssuerError):
    """Signing or timestamping a PDF failed."""
