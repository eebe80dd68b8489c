"""Lookups that find nothing, counted per name: one name cannot be swept across numbers.

The per-client limits bound how fast one address asks; they do not stop someone who
knows a holder's name from trying number after number from many addresses, or from one
address across hours.  So a lookup by number and name that finds nothing (the number is
well formed but not this name's) costs one from two budgets keyed by the *name*:

- per name and client (``ratelimits.name_misses_per_client``, default 5/hour, 20/day);
- per name from every client together (``ratelimits.name_misses``, default 20/hour, 100/day).

Once either is spent, every lookup for that name is refused (429), found or not: an
answer would still tell a sweeper which number is the one.  Lookups that find the
certificate cost nothing here, and the QR page (a token of 120 random bits) is not
concerned.  The cost of the shared budget: someone who spends it blocks lookups of that
name for everyone for up to an hour (the QR page still works); a number sweep of one
office's year (~2,000 numbers) takes weeks instead of minutes.

Keys are an HMAC of the normalised name under the app's secret key, so the limiter's
storage (Redis in production) never holds a name.  The budgets live in the same storage
as Flask-Limiter's limits and are off when rate limiting is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app
from limits import RateLimitItem, parse_many

from ecert.kernel import kernel
from ecert.vocab.names import normalise_name
from ecert.web import client_key, limiter

NAMESPACE = "ecert-name-misses"


def _name_key(name: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, normalise_name(name).encode(), hashlib.sha256).hexdigest()[:32]


def _budgets(name: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    limits = kernel().settings.ratelimits
    key = _name_key(name)
    per_client: tuple[str, ...] = (NAMESPACE, "client", client_key(), key)
    shared: tuple[str, ...] = (NAMESPACE, "all", key)
    return [(item, per_client) for item in parse_many(limits.name_misses_per_client)] + [
        (item, shared) for item in parse_many(limits.name_misses)
    ]


def _enabled() -> bool:
    return bool(kernel().settings.ratelimits.enabled)


def retry_after(name: str) -> int | None:
    """Seconds until lookups for ``name`` may be made again; None while its budgets last."""
    if not _enabled():
        return None
    now = time.time()
    waits = [
        max(1, int(limiter.limiter.get_window_stats(item, *ids).reset_time - now))
        for item, ids in _budgets(name)
        if not limiter.limiter.test(item, *ids)
    ]
    return max(waits) if waits else None


def charge_miss(name: str) -> None:
    """Count one lookup for ``name`` that found nothing."""
    if _enabled():
        for item, ids in _budgets(name):
            limiter.limiter.hit(item, *ids)
