"""Time-based one-time passwords for staff (RFC 6238 through pyotp): 30-second steps, one
step of clock drift either way, and no code accepted twice."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "ecert"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, office_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=f"{ISSUER} {office_name}")


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``."""
    code = "".join(c for c in code if c.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int(now.timestamp()) // STEP
    for step in (current, current - 1, current + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None
