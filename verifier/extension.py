"""Hands the verifier to the app: its blueprints, its commands and its per-process runtime.

The verifier reads the registry and the published trust material (pinned trust roots,
the QR claim key set); it never imports ``issuer`` and holds no private key, so a
verifier-only deployment can run with read-only database credentials, but for one table:
``api_key_usage``, the API keys' requests per day (``verifier.views.api.keys``).
"""

from __future__ import annotations

from flask import Flask

from ecert import sandbox
from ecert.kernel import kernel
from verifier import lookup
from verifier.cli.pdf import verify_command
from verifier.cli.qr import verify_qr_command
from verifier.lookup import PublicCertificate
from verifier.pdf import worker
from verifier.runtime import VerifierRuntime
from verifier.views import api, pages, qr_keys, upload
from verifier.words import paper as paper_words
from verifier.words import verdict as verdict_words


def init_app(app: Flask) -> None:
    app.extensions["verifier"] = VerifierRuntime(kernel(app))
    # Uploaded PDFs are parsed by the worker in the sandbox: load pyHanko there once.
    sandbox.preload(worker.__name__)
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

    app.cli.add_command(verify_command)
    app.cli.add_command(verify_qr_command)
