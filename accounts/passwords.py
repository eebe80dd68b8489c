"""Passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 takes any length; a bound keeps hostile requests cheap

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Compared against when the login names no account, so that the answer takes as long.
    # Made on first use, not at import: one argon2 hash (64 MiB, ~0.3 s) is no cost for a
    # command that never checks a password (``ecert --help``, ``ecert verify``).
    return _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash, the same work and False."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """A code for what is wrong with a new password: "too_short", "too_long", or None."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    return None
