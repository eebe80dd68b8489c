"""Placeholder: ``ecert verify-qr`` arrives with issue #3."""

import click


@click.command("verify-qr")
def verify_qr_command() -> None:
    """Verify a QR claim offline (not yet available)."""
    raise click.ClickException("not yet available")
