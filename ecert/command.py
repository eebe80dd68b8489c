"""What every ``ecert`` command shares, whichever package defines it: how a failure is said,
and how a group names its commands without importing them."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from gettext import gettext as click_words  # click's own catalogue (stdlib gettext), not ours
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask


class Failure(click.ClickException):
    """An operator's mistake or a refused change: one line of words on stderr, exit status 1
    (click's own ``Error:`` prefix is English and adds nothing to a sentence)."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), err=True)


# A command named by where it lives, "module:attribute", and the summary ``--help`` lists
# for it (the first paragraph of its help): the module is imported only when the command
# runs or its own help is asked for. tests/unit/test_lazy_commands.py keeps the summaries
# equal to the commands' own.
LazyCommands = Mapping[str, tuple[str, str]]


class LazyGroup(click.Group):
    """A group whose commands are imported when used, not when the group is built or listed,
    so that ``ecert --help`` loads none of the feature packages (issue #11: ≤ 0.5 s).

    Commands added the ordinary way (``add_command``) work as in any click group."""

    def __init__(self, *args: Any, lazy: LazyCommands | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str]] = dict(lazy or {})

    def add_lazy_commands(self, lazy: LazyCommands) -> None:
        self.lazy.update(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Not super()'s: a FlaskGroup's would build the app to ask it for its commands.
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            self.add_command(load_command(self.lazy[cmd_name][0]), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing, with a stand-in carrying the summary for a command not yet
        # imported (click would import every command to ask for its short help).
        listed = {name: self.commands.get(name) or self.stand_in(name) for name in self.list_commands(ctx)}
        shown = [(name, command) for name, command in listed.items() if command is not None and not command.hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section(click_words("Commands")):  # as click says it
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])

    def stand_in(self, name: str) -> click.Command | None:
        """A command that only says what the lazy command ``name`` is for (None if unknown)."""
        if name not in self.lazy:
            return None
        return click.Command(name, help=self.lazy[name][1])


def load_command(where: str) -> click.Command:
    module, _, attribute = where.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{where} is not a click command")
    return command


def add_commands(app: Flask, lazy: LazyCommands) -> None:
    """Add a feature's commands to ``app.cli`` (a :class:`LazyGroup` in apps ``create_app``
    builds; any other group gets them imported)."""
    if isinstance(app.cli, LazyGroup):
        app.cli.add_lazy_commands(lazy)
    else:
        for name, (where, _summary) in lazy.items():
            app.cli.add_command(load_command(where), name)
