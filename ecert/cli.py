"""The ``ecert`` console script: a FlaskGroup, the one entry point for operators.

Start-up (issue #11): ``ecert --help`` builds no app and imports no feature package; every
command is named by where it lives (``ecert.command.LazyGroup``) and imported only when it
runs. The kernel's own commands are in ``COMMANDS`` below; the features' in their
``extension.COMMANDS`` (they join ``app.cli`` when the app is built, and this listing without
it). A command is added with one line in one of those tables (``tests/unit/test_lazy_commands.py``
checks that each table says what its command's own help says).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, run_command

from ecert import EcertError
from ecert.app import app_commands, create_app
from ecert.command import Failure, LazyCommands, LazyGroup

COMMANDS: LazyCommands = {
    "db": ("ecert.kernel_commands:db_group", "Database schema and audit log."),
    "list": (
        "ecert.kernel_commands:list_certificates",
        "The most recently issued certificates with their verification pages.",
    ),
    "audit": (
        "ecert.audit.commands:audit_group",
        "The audit log: verify it against its anchors and the registry; anchor its head.",
    ),
    "backup": (
        "ecert.backup.commands:backup_command",
        "Back up the database, blobs, PKI and keys, QR keys and audit anchors into DIRECTORY (new or empty).",
    ),
    "restore": (
        "ecert.backup.commands:restore_command",
        "Restore a backup onto an empty ECERT_HOME and an empty database (never overwrites; checks every file first).",
    ),
}


@dataclass(frozen=True)
class Lean:
    """The app a command needs, when it is less than the whole app: the features' commands
    and runtimes only (``create_app(web=False)``), no pages."""

    features: tuple[str, ...]
    # The modules of the sandbox jobs it will run: the forkserver starts importing them at
    # once (pyHanko, ~0.5 s), on the other core, while this process builds the app.
    sandbox: tuple[str, ...] = ()


# Checks an operator (or a script) runs one file at a time, which should start fast
# (issue #11: ``ecert verify`` <= 2x a bare pyHanko check). Every other command gets the whole app.
LEAN_APPS: dict[str, Lean] = {
    "verify": Lean(("verifier",), sandbox=("verifier.pdf.worker",)),
    "verify-qr": Lean(("verifier",)),
}

# In the click context's meta: the command being run, and whether only its help is asked for.
_COMMAND_KEY = "ecert.command"
_HELP_KEY = "ecert.command_help"


def _remember_lang(context: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    # Kept in the context's meta, which every subcommand shares; ecert.i18n reads it.
    if value:
        from ecert.i18n import CLI_META_KEY

        context.meta[CLI_META_KEY] = value
    return value


def _create_app() -> Flask:
    """The app for the command being run: only the features it needs (``LEAN_APPS``)."""
    context = click.get_current_context(silent=True)
    meta = context.meta if context is not None else {}
    lean = LEAN_APPS.get(meta.get(_COMMAND_KEY, ""))
    if lean is None:
        return create_app()
    if lean.sandbox and not meta.get(_HELP_KEY):
        from ecert import sandbox

        sandbox.preload(*lean.sandbox)
        sandbox.start()
    return create_app(features=lean.features, web=False)


class EcertGroup(LazyGroup, FlaskGroup):
    """Flask's command group, showing operators our commands and options only.

    Flask's ``routes`` and ``shell`` are left out, ``run`` is kept, and Flask's own options
    (``--app``, ``--env-file``, ``--debug``) still work but are not listed. The app's
    commands are listed from the features' tables, without building the app."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Flask plugins' commands (Flask-Limiter's maintenance group) are not for operators:
        # not loaded at all (importing them costs start-up time for nothing).
        self._loaded_plugin_commands = True
        for param in self.params:
            if param.name in {"app", "env_file", "debug"} and isinstance(param, click.Option):
                param.hidden = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(app_commands()))  # without building the app

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # For _create_app: a FlaskGroup builds the app while it looks the command up.
        if args:
            ctx.meta[_COMMAND_KEY] = args[0]
            ctx.meta[_HELP_KEY] = any(word in ctx.help_option_names for word in args[1:])
        return super().resolve_command(ctx, args)

    def stand_in(self, name: str) -> click.Command | None:
        app_command = app_commands().get(name)
        if app_command is not None:
            return click.Command(name, help=app_command[1])
        return super().stand_in(name)

    def invoke(self, ctx: click.Context) -> Any:
        # The last word on the kernel's own exceptions and on a database that cannot be
        # reached (a wrong DATABASE_URL, a server down): a sentence, never a traceback.
        try:
            return super().invoke(ctx)
        except EcertError as error:
            raise _failure(error) from None
        except Exception as error:
            # SQLAlchemy is not imported for this: an error of its own means it is loaded
            # (importing it first would cost ~0.3 s before every command starts its work).
            sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
            if sqlalchemy_errors is None or not isinstance(
                error, (sqlalchemy_errors.OperationalError, sqlalchemy_errors.ArgumentError)
            ):
                raise
            # The app (and with it the catalogue) may not exist when the URL itself is unusable,
            # so this one line says it in both languages.
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise Failure(f"无法使用数据库 (cannot use the database): {reason}") from None


def _failure(error: EcertError) -> Failure:
    from ecert.audit import AuditError
    from ecert.audit.words import error_text as audit_error_text

    return Failure(audit_error_text(error) if isinstance(error, AuditError) else str(error))


@click.group(
    cls=EcertGroup,
    lazy=COMMANDS,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    expose_value=False,
    is_eager=True,
    callback=_remember_lang,
    help="Language of messages: zh (default) or en; LANG=en_US.UTF-8 also selects English.",
)
# The version is looked up when asked for (importlib.metadata costs ~0.1 s to import).
@click.version_option(None, "--version", package_name="ecert", prog_name="ecert", message="%(prog)s %(version)s")
def main() -> None:
    """职称电子证书 ecert: issue and verify electronic title certificates."""


main.add_command(run_command)
