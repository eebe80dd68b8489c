"""Hands the issuer to the app: its commands and its per-process runtime (fonts, signer, seal).

Imports nothing heavy at module level: ``ecert --help`` reads ``COMMANDS`` from here."""

from __future__ import annotations

from flask import Flask

from ecert.command import LazyCommands, add_commands

COMMANDS: LazyCommands = {
    "issue": (
        "issuer.cli.issue:issue_command",
        "Issue certificates for the approved decisions in DECISIONS_CSV (see docs/decisions-csv.md).",
    ),
    "revoke": (
        "issuer.cli.lifecycle:revoke_command",
        "Revoke the current version of certificate NUMBER, or (--granted-by) all that one 文号 granted.",
    ),
    "reinstate": (
        "issuer.cli.lifecycle:reinstate_command",
        "Undo the mistaken revocation of certificate NUMBER (a two-person act).",
    ),
    "correct": (
        "issuer.cli.lifecycle:correct_command",
        "Re-issue certificate NUMBER as a new version with corrected fields.",
    ),
    "export": (
        "issuer.cli.export:export_command",
        "Write the signed PDF of certificate NUMBER (any version) exactly as it was issued.",
    ),
    "pki": ("issuer.cli.pki:pki_group", "Signing keys and trust roots."),
    "renew-timestamps": (
        "issuer.cli.renewal:renew_timestamps_command",
        "Add a fresh document timestamp to every valid certificate whose newest one is due.",
    ),
    "use-copies": ("issuer.cli.use_copies:use_copies_group", "Use copies (加注件) made by holders."),
    "batches": (
        "issuer.cli.batches:batches_command",
        "List the batches of `ecert issue` (newest first) with their rows by state and the failed rows' reasons;\n"
        "with BATCH_ID, that batch and every failed row.",
    ),
    "worker": (
        "issuer.cli.batches:worker_command",
        "Issue the pending rows of queued batches (`ecert issue --no-wait`), on this machine or any other sharing the database.",
    ),
}


def init_app(app: Flask) -> None:
    from ecert.health import add_probe
    from ecert.kernel import kernel
    from issuer.runtime import IssuerRuntime, anchor_stamper, signer_probe, tsa_probe

    app_kernel = kernel(app)
    issuer_runtime = IssuerRuntime(app_kernel)
    app.extensions["issuer"] = issuer_runtime
    # /readyz (ecert.health): this process can sign, and its timestamp authority answers.
    add_probe(app, "signer", signer_probe(issuer_runtime))
    add_probe(app, "tsa", tsa_probe(app_kernel.settings))
    # The kernel's audit log anchors its head with a timestamp from the issuer's authority.
    app_kernel.db.audit.stamper = anchor_stamper(app_kernel.settings)
    add_commands(app, COMMANDS)
