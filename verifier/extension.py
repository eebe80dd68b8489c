"""Hands the verifier to the app: its blueprints, its commands and its per-process runtime.

The verifier reads the registry and the published trust material (pinned trust roots,
the QR claim key set); it never imports ``issuer`` and holds no private key, so a
verifier-only deployment can run with read-only database credentials.
"""

from __future__ import annotations

from flask import Flask

from ecert import sandbox
from ecert.kernel import kernel
from verifier.cli.pdf import verify_command
from verifier.cli.qr import verify_qr_command
from verifier.pdf import worker
from verifier.runtime import VerifierRuntime
from verifier.views import api, pages, qr_keys, upload


def init_app(app: Flask) -> None:
    app.extensions["verifier"] = VerifierRuntime(kernel(app))
    # Uploaded PDFs are parsed by the worker in the sandbox: load pyHanko there once.
    sandbox.preload(worker.__name__)
    for blueprint in (pages.bp, upload.bp, api.bp, qr_keys.bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(verify_command)
    app.cli.add_command(verify_qr_command)
