"""What the verifier keeps per process: the pinned trust roots, and the PDF check as this
deployment configures it.

The verifier reads the registry and the published trust material (pinned trust roots,
the QR claim key set); it never imports ``issuer`` and holds no private key, so a
verifier-only deployment can run with read-only database credentials.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from ecert.kernel import Kernel
from ecert.x509 import read_certificates
from verifier.pdf.check import verify_pdf
from verifier.pdf.report import PdfVerdict

if TYPE_CHECKING:
    from ecert.verifications import Recorder
    from verifier.admission import Admission, CpuBudget

# Recorder and the admission control (Flask-Limiter's storage) are imported where first
# used: the pages and the API need them, ``ecert verify`` (an app without pages) does not.

log = logging.getLogger(__name__)


class VerifierRuntime:
    def __init__(self, app_kernel: Kernel) -> None:
        self.kernel = app_kernel

    @property
    def trust_roots_path(self) -> Path:
        settings = self.kernel.settings
        # Development: the root the development PKI wrote; production must configure it.
        return settings.trust_roots_file or settings.pki_dir / "root-ca.cert.pem"

    @cached_property
    def trust_roots(self) -> list:  # list[asn1crypto.x509.Certificate]
        return read_certificates(self.trust_roots_path)

    @cached_property
    def admission(self) -> Admission:
        """PDF checks in flight in this process (``verifier.admission``)."""
        sandbox, limits = self.kernel.settings.sandbox, self.kernel.settings.ratelimits
        from verifier.admission import Admission

        return Admission(capacity=sandbox.max_jobs + sandbox.queue, per_client=limits.pdf_concurrent)

    @cached_property
    def cpu_budget(self) -> CpuBudget | None:
        """Each client's CPU seconds of PDF checking (None when rate limits are off)."""
        limits = self.kernel.settings.ratelimits
        from verifier.admission import CpuBudget

        return CpuBudget(limits.pdf_cpu) if limits.enabled else None

    @cached_property
    def history(self) -> Recorder | None:
        """This process's verification-history writer (None when the settings turn it off)."""
        from ecert.verifications import Recorder

        return Recorder(self.kernel.db) if self.kernel.settings.verification_history else None

    def record(self, token: str, channel: str) -> None:
        """Note that ``token`` was verified through ``channel``: queued, never raises."""
        if self.history is None:
            return
        try:
            self.history.record(token, channel, self.kernel.clock())
        except Exception:  # a history must never cost a verification
            log.exception("verification history: not recorded")

    def check_pdf(self, data: bytes | Path) -> PdfVerdict:
        """The verdict on an uploaded file (its bytes, or the file spooled to disk) with this
        deployment's roots, limits and registry (the page, the API and ``ecert verify``)."""
        settings = self.kernel.settings
        return verify_pdf(
            data,
            db=self.kernel.db,
            trust_roots=self.trust_roots,
            limits=settings.sandbox,
            max_bytes=settings.max_pdf_bytes,
            now=self.kernel.clock(),
        )


def runtime(app: Flask | None = None) -> VerifierRuntime:
    return (app or current_app).extensions["verifier"]
