"""What the verifier keeps per process: the pinned trust roots.

The verifier reads the registry and the published trust material (pinned trust roots,
the QR claim key set); it never imports ``issuer`` and holds no private key, so a
verifier-only deployment can run with read-only database credentials.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from flask import Flask, current_app

from ecert.kernel import Kernel
from ecert.x509 import read_certificates


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


def runtime(app: Flask | None = None) -> VerifierRuntime:
    return (app or current_app).extensions["verifier"]
