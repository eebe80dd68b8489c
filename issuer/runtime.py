"""Process-wide issuer objects: fonts, renderer, signer and seal are built once, lazily.

Building them costs fonts parsed, keys loaded and (for PKCS#11) a token session
opened; doing it once per process keeps each certificate fast. Nothing here is
built on web requests that do not issue.
"""

from __future__ import annotations

import threading
from functools import cached_property

from flask import Flask

from ecert.kernel import Kernel, kernel
from issuer.services.pipeline import Issuance


class IssuerRuntime:
    def __init__(self, app_kernel: Kernel) -> None:
        self.kernel = app_kernel
        self._lock = threading.Lock()

    @cached_property
    def renderer(self):  # type: ignore[no-untyped-def]
        from issuer.rendering.layout import CertificateRenderer

        return CertificateRenderer()

    @cached_property
    def seal_png(self) -> bytes:
        from issuer.signing.seal import make_seal_png

        return make_seal_png(self.kernel.settings.office_name)

    @cached_property
    def signer(self):  # type: ignore[no-untyped-def]
        from issuer.signing.signers import build_document_signer

        return build_document_signer(self.kernel.settings)

    @cached_property
    def claim_signer(self):  # type: ignore[no-untyped-def]
        from issuer.qr.claims import build_claim_signer

        return build_claim_signer(self.kernel.settings)

    def issuance(self, actor: str = "system") -> Issuance:
        with self._lock:
            return Issuance(
                db=self.kernel.db,
                store=self.kernel.store,
                renderer=self.renderer,
                signer=self.signer,
                settings=self.kernel.settings,
                clock=self.kernel.clock,
                seal_png=self.seal_png,
                actor=actor,
                claim_signer=self.claim_signer,
            )


def runtime(app: Flask) -> IssuerRuntime:
    return app.extensions["issuer"]  # type: ignore[no-any-return]
