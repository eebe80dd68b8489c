"""Placeholder: ``ecert verify FILE.pdf`` arrives with issue #3."""

import click


@click.command("verify")
def verify_command() -> None:
    """Verify a certificate PDF (not yet available)."""
    raise click.ClickException("not yet available")
