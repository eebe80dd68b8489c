"""One-time codes: random, short-lived, tried a few times, stored only as an HMAC.

A registration code (6 digits, 10 minutes, 5 tries) goes through the notifier and is
named in the browser by a random ticket, so the page that asks for it needs no ID
number. An activation code (8 characters without look-alikes, 30 days) is handed out
by the office (``ecert users activation-code``) and typed by the holder.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

REGISTRATION_TTL = timedelta(minutes=10)
ACTIVATION_TTL = timedelta(days=30)
MAX_ATTEMPTS = 5
_ACTIVATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_ticket() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


def new_numeric_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def new_activation_code() -> str:
    return "".join(secrets.choice(_ACTIVATION_ALPHABET) for _ in range(8))


def normalise_code(text: str) -> str:
    """What a person typed: spaces, hyphens and case do not matter; full-width digits count."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return "".join(c for c in folded.upper() if c.isalnum())


def code_hmac(secret: str, ticket: str, code: str) -> str:
    message = f"{ticket}:{normalise_code(code)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def code_matches(secret: str, ticket: str, code: str, stored: str) -> bool:
    return hmac.compare_digest(code_hmac(secret, ticket, code), stored)
