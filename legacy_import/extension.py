"""Hands legacy conversion to the app: the holder's paper-certificate applications in
我的证书, the staff review pages (``/console/conversions``), the archive rosters'
upload (``/console/rosters``), the ``ecert legacy`` commands,
and the evidence check's worker to the sandbox."""

from __future__ import annotations

from flask import Flask

from ecert.command import LazyCommands, add_commands

COMMANDS: LazyCommands = {
    "legacy": (
        "legacy_import.cli:legacy_group",
        "Pre-2021 paper certificates: archive rosters (see docs/rosters.md) and evidence.",
    ),
}


def init_app(app: Flask) -> None:
    from ecert import sandbox
    from legacy_import.application_views import bp as applications_bp
    from legacy_import.review_views import bp as review_bp
    from legacy_import.roster_views import bp as rosters_bp

    app.extensions["legacy_import"] = None
    # Uploaded evidence is parsed by the worker in the sandbox: load Pillow, pikepdf and
    # imagehash (with scipy's DCT), and the OCR's reader, in the forkserver once, not in every
    # child. By name (evidence_worker.PRELOAD): this process never imports numpy for them.
    sandbox.preload("legacy_import.evidence_worker", "scipy.fftpack", "legacy_import.ocr")
    app.register_blueprint(applications_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(rosters_bp)
    add_commands(app, COMMANDS)
