"""Hands the verifier to the app: its blueprints, its commands and its per-process runtime.

The verifier reads the registry and the published trust material (pinned trust roots,
the QR claim key set); it never imports ``issuer`` and holds no private key, so a
verifier-only deployment can run with read-only database credentials, but for one table:
``api_key_usage``, the API keys' requests per day (``verifier.views.api.keys``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from ecert.command import LazyCommands, add_commands

if TYPE_CHECKING:
    from verifier.lookup import PublicCertificate

COMMANDS: LazyCommands = {
    "verify": (
        "verifier.cli.pdf:verify_command",
        "Verify a certificate PDF: signature, signer, coverage and registry status.",
    ),
    "verify-qr": (
        "verifier.cli.qr:verify_qr_command",
        "Check the signed claim of a QR code (URL text or image file) and, for this instance's "
        "own codes, the registry's status now.",
    ),
}


def init_commands(app: Flask) -> None:
    """What the verifier's commands need, without its pages: its runtime and the sandbox's worker
    (``ecert verify`` builds an app of this alone; see ``ecert.cli.LEAN_APPS``)."""
    from ecert import sandbox
    from ecert.kernel import kernel
    from verifier.runtime import VerifierRuntime

    app.extensions["verifier"] = VerifierRuntime(kernel(app))
    # Uploaded PDFs are parsed by the worker in the sandbox: load pyHanko there once (and
    # only there: the check names its job, so this process never imports the worker).
    sandbox.preload("verifier.pdf.worker")
    add_commands(app, COMMANDS)


def init_app(app: Flask) -> None:
    from ecert.kernel import kernel
    from verifier import lookup
    from verifier.views import api, pages, qr_keys, upload
    from verifier.words import paper as paper_words
    from verifier.words import verdict as verdict_words

    init_commands(app)
    for blueprint in (pages.bp, upload.bp, api.bp, qr_keys.bp):
        app.register_blueprint(blueprint)
    settings = kernel(app).settings

    @app.template_global()
    def issuing_office_name(certificate: PublicCertificate) -> str:
        return lookup.issuing_office_name(certificate.issuing_office_code, settings.office_code, settings.office_name)

    @app.template_global()
    def use_copy_lines(certificate: PublicCertificate | None) -> list[str]:
        return verdict_words.use_copy_lines(certificate)

    @app.template_global()
    def provenance_lines(certificate: PublicCertificate) -> list[str]:
        """由纸质证书转换, and 档案材料经 … 于 … 核验 (a converted certificate only)."""
        provenance = certificate.provenance
        return [] if provenance is None else [paper_words.converted_line(), paper_words.verified_line(provenance)]
