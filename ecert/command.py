"""What every ``ecert`` command shares, whichever package defines it: how a failure is said."""

from __future__ import annotations

from typing import IO, Any

import click


class Failure(click.ClickException):
    """An operator's mistake or a refused change: one line of words on stderr, exit status 1
    (click's own ``Error:`` prefix is English and adds nothing to a sentence)."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), err=True)
