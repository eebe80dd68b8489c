"""The ``ecert`` console script: a FlaskGroup, the one entry point for operators."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from ecert.app import create_app
from ecert.kernel import kernel


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True, load_dotenv=False)
def main() -> None:
    """职称电子证书 ecert: issue and verify electronic title certificates."""


@main.group("db")
def db_group() -> None:
    """Database schema and audit log."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the latest revision."""
    from ecert.migrate import upgrade

    upgrade(kernel().settings.database_url)
    click.echo("database schema is up to date")


@db_group.command("verify-audit")
def db_verify_audit() -> None:
    """Recompute the audit hash chain; exit 1 if any event was altered or removed."""
    from ecert.audit import verify_chain

    with kernel().db.read() as session:
        report = verify_chain(session)
    for problem in report.problems:
        click.echo(problem, err=True)
    click.echo(f"{report.events} audit events, chain {'intact' if report.ok else 'BROKEN'}")
    if not report.ok:
        raise SystemExit(1)


@main.command("list")
@click.option("--limit", default=20, show_default=True)
def list_certificates(limit: int) -> None:
    """The most recently issued certificates with their verification pages."""
    from sqlalchemy import select

    from ecert.models import Certificate, CertificateStatus

    app_kernel = kernel()
    with app_kernel.db.read() as session:
        rows = session.execute(
            select(Certificate.number, Certificate.version, Certificate.status, Certificate.token)
            .where(Certificate.status != CertificateStatus.PENDING)
            .order_by(Certificate.id.desc())
            .limit(limit)
        ).all()
    for number, version, status, token in rows:
        click.echo(f"{number}  v{version}  {status.value:<10}  {app_kernel.settings.verify_url(token)}")
