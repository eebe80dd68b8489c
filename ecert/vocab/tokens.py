"""The one shape of a certificate version's token: made by the issuer, checked everywhere.

A token is the unguessable part of a verification URL ``{public_url}/v/<token>``: 120
random bits (``TOKEN_BYTES``) in RFC 4648 base32, upper case, which is exactly 24
characters of A-Z and 2-7 with no padding.  Upper case because the QR code's
alphanumeric mode has no lower case; 120 bits because a token is the only secret
between a stranger and a certificate's page.  The QR claim signs the token
(``ecert.qr_claim``), the verifier looks certificates up by it (``verifier.lookup``).
"""

from __future__ import annotations

import base64
import re
import secrets

TOKEN_BYTES = 15  # 120 bits: 24 base32 characters, a multiple of 5 bytes so no padding
_TOKEN = re.compile(r"[A-Z2-7]{24}")


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii")


def is_token(text: str) -> bool:
    """Whether ``text`` has exactly the shape ``new_token`` makes."""
    return isinstance(text, str) and _TOKEN.fullmatch(text) is not None


def normalise_token(text: str) -> str | None:
    """The token in ``text`` (case-insensitive, surrounding spaces ignored), or None if it
    cannot be one. A cheap shape check keeps junk away from the database."""
    candidate = text.strip().upper()
    return candidate if is_token(candidate) else None
