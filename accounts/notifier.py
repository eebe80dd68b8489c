"""How one-time codes and notices reach people: SMS or e-mail in production; in
development an outbox of text files under ``ECERT_HOME/outbox/`` that staff can read.

The development notifier says so loudly: every message is marked, and production
refuses it (``Settings.check``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True)
class OutboxMessage:
    at: datetime | None
    to: str
    text: str


class Notifier(Protocol):
    def send(self, to: str, text: str, *, at: datetime) -> None:
        """Deliver ``text`` to the mobile number ``to``; raise on failure."""


@dataclass(frozen=True)
class OutboxNotifier:
    """Writes each message to ``directory`` as ``<time>-<to>.txt`` (development only)."""

    directory: Path

    def send(self, to: str, text: str, *, at: datetime) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = at.strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{_UNSAFE.sub('_', to)}.txt"
        path.write_text(f"[开发环境 DEVELOPMENT — 未真正发送]\n收件人：{to}\n\n{text}\n", encoding="utf-8")
        log.warning("DEVELOPMENT notifier: message to %s written to %s, not sent", to, path)

    def entries(self) -> list[OutboxMessage]:
        """Every message, newest first (the console's outbox page)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.txt"), reverse=True):
            lines = [*path.read_text(encoding="utf-8", errors="replace").split("\n"), "", ""]
            try:
                at = datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
            except ValueError:  # a file someone put there by hand: shown, with no time
                at = None
            found.append(OutboxMessage(at, lines[1].removeprefix("收件人："), "\n".join(lines[3:]).strip()))
        return found

    def messages(self, to: str | None = None) -> list[tuple[str, str]]:
        """(recipient, text) of every message, oldest first (the staff page and tests read them)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.txt")):
            # A file put there by hand may be short or not UTF-8: it is shown, never a failure.
            lines = [*path.read_text(encoding="utf-8", errors="replace").split("\n"), "", ""]
            recipient = lines[1].removeprefix("收件人：")
            if to is None or recipient == to:
                found.append((recipient, "\n".join(lines[3:]).strip()))
        return found
