"""Hands the issuer to the app: its commands and its per-process runtime (fonts, signer, seal)."""

from __future__ import annotations

from flask import Flask

from ecert.kernel import kernel
from issuer.cli import correct_command, export_command, issue_command, pki_group, revoke_command
from issuer.runtime import IssuerRuntime


def init_app(app: Flask) -> None:
    app.extensions["issuer"] = IssuerRuntime(kernel(app))
    for command in (issue_command, revoke_command, correct_command, export_command, pki_group):
        app.cli.add_command(command)
