"""The key text: ``ecert_<key id>_<secret>``, base32 in lower case (no ambiguous 0/1/8/9).

The key id (40 random bits, 8 characters) is public: it names the key to people and in
logs. The secret is 256 random bits; only the SHA-256 of the whole key is kept. A plain
hash suffices (no salt, no slow hash): nothing this random can be guessed from its hash,
and the check stays one hash per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from limits import parse_many

PREFIX = "ecert"
KEY_TEXT = re.compile(rf"{PREFIX}_([a-z2-7]{{8}})_([a-z2-7]{{52}})")
KEY_ID = re.compile(r"[a-z2-7]{8}")
MAX_ORGANISATION = 128


def _base32(n_bytes: int) -> str:
    return base64.b32encode(secrets.token_bytes(n_bytes)).decode().rstrip("=").lower()


def new_key() -> tuple[str, str]:
    """A fresh ``(key id, whole key)``."""
    key_id = _base32(5)
    return key_id, f"{PREFIX}_{key_id}_{_base32(32)}"


def key_id_of(text: str) -> str | None:
    """The key id of a well-formed key, else None (nothing else of the text is trusted)."""
    found = KEY_TEXT.fullmatch(text.strip())
    return found.group(1) if found else None


def digest(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(key), stored_digest)


def organisation_problem(name: str) -> str | None:
    """Why an organisation's name cannot be used (``empty``, ``too_long``, ``control``), or None."""
    if not name.strip():
        return "empty"
    if len(name.strip()) > MAX_ORGANISATION:
        return "too_long"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "control"
    return None


def rate_limit_problem(text: str) -> bool:
    """True when ``text`` is not a rate limit in Flask-Limiter's syntax (e.g. ``1200/minute``)."""
    try:
        return not parse_many(text)
    except ValueError:
        return True
