"""Who may start a PDF check now: checks in flight per process, and each client's CPU budget.

The policy (why, and the defaults) is described in :mod:`verifier.views.intake`, which
applies it to requests; this module holds the counters, as codes (words at the edge).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.strategies import SlidingWindowCounterRateLimiter

from ecert.web import limiter
from verifier.pdf.report import RETRY_AFTER_SECONDS

_NAMESPACE = "pdf-cpu"
_MS = 1000  # the budget is kept in CPU milliseconds


@dataclass(frozen=True)
class Refusal:
    status: int  # 429 or 503
    code: str  # cpu_budget | one_at_a_time | busy
    retry_after: int  # seconds


class Admission:
    """Checks in flight in this process, in all and per client."""

    def __init__(self, capacity: int, per_client: int) -> None:
        self.capacity, self.per_client = capacity, per_client
        self._lock = threading.Lock()
        self._total = 0
        self._clients: dict[str, int] = {}

    def enter(self, client: str) -> Refusal | None:
        with self._lock:
            if self._clients.get(client, 0) >= self.per_client:
                return Refusal(429, "one_at_a_time", 5)
            if self._total >= self.capacity:
                return Refusal(503, "busy", RETRY_AFTER_SECONDS)
            self._total += 1
            self._clients[client] = self._clients.get(client, 0) + 1
            return None

    def leave(self, client: str) -> None:
        with self._lock:
            self._total -= 1
            left = self._clients[client] - 1
            if left:
                self._clients[client] = left
            else:
                del self._clients[client]


class CpuBudget:
    """CPU seconds of checking per client in a sliding window, in the limiter's storage."""

    def __init__(self, rate: str) -> None:
        # "20/minute" means 20 CPU seconds a minute: counted in milliseconds.
        self.items = [_scaled(item) for item in parse_many(rate)]
        self.strategy = SlidingWindowCounterRateLimiter(limiter.storage)

    def refusal(self, client: str) -> Refusal | None:
        for item in self.items:
            if not self.strategy.test(item, _NAMESPACE, client):
                reset = self.strategy.get_window_stats(item, _NAMESPACE, client).reset_time
                return Refusal(429, "cpu_budget", max(1, math.ceil(reset - time.time())))
        return None

    def charge(self, client: str, cpu_seconds: float) -> None:
        cost = max(1, round(cpu_seconds * _MS))
        for item in self.items:
            # A check that costs more than is left still spends what is left.
            left = self.strategy.get_window_stats(item, _NAMESPACE, client).remaining
            if left > 0:
                self.strategy.hit(item, _NAMESPACE, client, cost=min(cost, left))


def _scaled(item: RateLimitItem) -> RateLimitItem:
    return type(item)(item.amount * _MS, item.multiples, _NAMESPACE)
