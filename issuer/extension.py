"""Hands the issuer to the app: its commands and its per-process runtime (fonts, signer, seal)."""

from __future__ import annotations

from flask import Flask

from ecert.health import add_probe
from ecert.kernel import kernel
from issuer.cli import (
    batches_command,
    correct_command,
    export_command,
    issue_command,
    pki_group,
    reinstate_command,
    revoke_command,
    use_copies_group,
    worker_command,
)
from issuer.runtime import IssuerRuntime, anchor_stamper, signer_probe, tsa_probe


def init_app(app: Flask) -> None:
    app_kernel = kernel(app)
    issuer_runtime = IssuerRuntime(app_kernel)
    app.extensions["issuer"] = issuer_runtime
    # /readyz (ecert.health): this process can sign, and its timestamp authority answers.
    add_probe(app, "signer", signer_probe(issuer_runtime))
    add_probe(app, "tsa", tsa_probe(app_kernel.settings))
    # The kernel's audit log anchors its head with a timestamp from the issuer's authority.
    app_kernel.db.audit.stamper = anchor_stamper(app_kernel.settings)
    for command in (
        issue_command,
        revoke_command,
        reinstate_command,
        correct_command,
        export_command,
        pki_group,
        use_copies_group,
        batches_command,
        worker_command,
    ):
        app.cli.add_command(command)
