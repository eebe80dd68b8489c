"""Process-wide issuer objects: fonts, renderer, signer and seal are built once, lazily.

Building them costs fonts parsed, keys loaded and (for PKCS#11) a token session
opened; doing it once per process keeps each certificate fast. Nothing here is
built on web requests that do not issue, nor for commands that only read or revoke
(they use the kernel's database alone, so they run where ``ECERT_SIGNER=none``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from flask import Flask

from ecert.health import Cached, Check, Probe, http_reachable
from ecert.kernel import Kernel
from ecert.settings import Settings
from issuer.services.pipeline import Issuance

if TYPE_CHECKING:
    from issuer.pki.development import DevelopmentPKI
    from issuer.qr.claims import ClaimSigner
    from issuer.rendering.layout import CertificateRenderer
    from issuer.services.archival import Archiver
    from issuer.services.renewal import Renewal
    from issuer.signing.pades import DocumentSigner


class IssuerRuntime:
    def __init__(self, app_kernel: Kernel) -> None:
        self.kernel = app_kernel
        self._lock = threading.Lock()

    @cached_property
    def renderer(self) -> CertificateRenderer:
        from issuer.rendering.layout import CertificateRenderer

        return CertificateRenderer()

    @cached_property
    def seal_png(self) -> bytes:
        from issuer.signing.seal import make_seal_png

        return make_seal_png(self.kernel.settings.office_name)

    @cached_property
    def signer(self) -> DocumentSigner:
        from issuer.signing.signers import build_document_signer

        return build_document_signer(self.kernel.settings)

    @cached_property
    def claim_signer(self) -> ClaimSigner:
        from issuer.qr.claims import build_claim_signer

        return build_claim_signer(self.kernel.settings)

    @cached_property
    def archiver(self) -> Archiver:
        from issuer.services.archival import build_archiver

        return build_archiver(self.kernel.settings, self.kernel.clock)

    def renewal(self, actor: str = "system") -> Renewal:
        from issuer.services.renewal import Renewal

        with self._lock:
            archiver = self.archiver
        settings = self.kernel.settings
        return Renewal(self.kernel.db, self.kernel.store, archiver, settings.renewal, self.kernel.clock, actor)

    def issuance(self, actor: str = "system", *, accept_public_url_change: bool = False) -> Issuance:
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
                accept_public_url_change=accept_public_url_change,
            )


def anchor_stamper(settings: Settings) -> Callable[[bytes], bytes]:
    """What the audit log's anchors are timestamped with (``ecert.audit.anchors``)."""
    from issuer.signing.timestamping import build_anchor_stamper

    def development_pki() -> DevelopmentPKI:
        from issuer.pki.development import DevelopmentPKI

        return DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)

    return build_anchor_stamper(tsa_url=settings.tsa_url, pki_loader=development_pki, production=settings.is_production)


def signer_probe(issuer_runtime: IssuerRuntime, retry_seconds: float = 10.0) -> Probe:
    """``/readyz``'s signer: loaded (built on the first probe, as the first issuance would,
    then kept); a verifier-only deployment (``ECERT_SIGNER=none``) has none to load, which is
    no failure. A signer that fails to load is tried again after ``retry_seconds``."""
    if issuer_runtime.kernel.settings.signer == "none":
        return lambda: Check(True, "not configured")

    def loaded() -> Check:
        with issuer_runtime._lock:  # as issuance() does: one signer (one token session) per process
            issuer_runtime.signer  # noqa: B018 - the cached property builds it once, then keeps it
        return Check(True, "loaded")

    return Cached(loaded, retry_seconds)


def tsa_probe(settings: Settings, *, cache_seconds: float = 5.0, timeout: float = 2.0) -> Probe:
    """``/readyz``'s timestamp authority: an HTTP one (``ECERT_TSA_URL``) answers within
    ``timeout`` (asked at most once per ``cache_seconds``); the development in-process one
    is always there; a deployment with neither timestamps nothing."""
    url = settings.tsa_url
    if url:
        return Cached(lambda: http_reachable(url, timeout), cache_seconds)
    if settings.is_production:
        return lambda: Check(True, "not configured")
    return lambda: Check(True, "in-process")


def runtime(app: Flask) -> IssuerRuntime:
    found = app.extensions["issuer"]
    assert isinstance(found, IssuerRuntime)
    return found
