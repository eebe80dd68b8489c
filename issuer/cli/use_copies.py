"""``ecert use-copies expire``: one ``use_copy.expired`` audit event per use copy past its end.

The public status of a copy needs no command: it is computed from the clock at read time.
This records the expiry in the audit log, once per copy; run it daily (it is safe to
repeat, and to miss a day)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema
from issuer.cli.common import actor
from issuer.services.use_copy import record_expiries


@click.group("use-copies")
def use_copies_group() -> None:
    """Use copies (加注件) made by holders."""


@use_copies_group.command("expire")
@with_appcontext
@needs_current_schema
def expire_command() -> None:
    """Write a use_copy.expired audit event for each use copy that passed its end and has none yet."""
    app_kernel = kernel()
    recorded = record_expiries(app_kernel.db, actor=actor(), clock=app_kernel.clock)
    click.echo(_("已记录 %(count)s 份加注件过期", count=len(recorded)))
