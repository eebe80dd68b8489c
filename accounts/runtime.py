"""Per-process parts of accounts: the notifier."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from accounts.notifier import Notifier, OutboxNotifier
from ecert.kernel import Kernel


@dataclass
class AccountsRuntime:
    notifier: Notifier | None  # None: no way to send codes, so registration is closed


def build_runtime(k: Kernel) -> AccountsRuntime:
    # Production refuses the outbox (Settings.check); an SMS gateway plugs in here.
    if k.settings.notifier == "outbox":
        return AccountsRuntime(notifier=OutboxNotifier(k.settings.home / "outbox"))
    return AccountsRuntime(notifier=None)


def runtime(app: Flask | None = None) -> AccountsRuntime:
    found: AccountsRuntime = (app or current_app).extensions["accounts"]
    return found


def code_secret(app: Flask | None = None) -> str:
    """The key of the codes' HMACs: the app's secret key (never a default in production)."""
    return str((app or current_app).config["SECRET_KEY"])
