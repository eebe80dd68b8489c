"""What the document signer encodes once and reuses (issuer.signing.cms_template, the
development TSA's tokens, the pre-signing validation, the reserved sizes) gives the same
signatures pyHanko would write, follows the validation context when it is rebuilt, and never
fails a certificate when a token outgrows its reservation. No mocks: real keys, real TSA."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from asn1crypto import cms, tsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecert.x509 import parse_certificates
from issuer.pki.development import DevelopmentPKI
from issuer.signing.cms_template import TemplateSigner
from issuer.signing.pades import RESERVE_MARGIN_LOCAL, DocumentSigner
from issuer.signing.signers import CachedKeySigner
from issuer.signing.timestamping import DevelopmentTimeStamper
from tests.integration.test_signing import BOX, OFFICE, PUBLIC_URL, crls_published_at, make_input_pdf, make_seal_png
from verifier.pdf.signature import validate_signed_pdf


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPKI:
    return DevelopmentPKI.load_or_create(tmp_path_factory.mktemp("reuse") / "pki", OFFICE, PUBLIC_URL)


@pytest.fixture(scope="module")
def roots(pki: DevelopmentPKI) -> list:
    return parse_certificates(pki.roots_pem())


def key_signer(pki: DevelopmentPKI, **kwargs: Any) -> CachedKeySigner:
    return CachedKeySigner(
        signing_cert=pki.signing_cert,
        signing_key=pki.signing_key_info,
        cert_registry=SimpleCertificateStore.from_certs(pki.chain),
        pyca_key=pki.signing_key,
        **kwargs,
    )


def context_factory(pki: DevelopmentPKI, crls: Any = None, reuse_for: dt.timedelta = dt.timedelta(hours=1)) -> Any:
    def build() -> tuple[ValidationContext, dt.datetime]:
        now = dt.datetime.now(dt.UTC)
        vc = ValidationContext(
            trust_roots=[pki.root_cert],
            other_certs=[*pki.chain, pki.tsa_cert],
            crls=crls() if crls is not None else pki.crls(),
            allow_fetching=False,
            revocation_mode="require",
        )
        return vc, now + reuse_for

    return build


def without(native: Any, *keys: str) -> Any:
    """``native`` with the named fields (at any depth) left out."""
    if isinstance(native, dict):
        return {k: without(v, *keys) for k, v in native.items() if k not in keys}
    if isinstance(native, list):
        return [without(v, *keys) for v in native]
    return native


def test_the_template_cms_is_what_pyhanko_writes(pki: DevelopmentPKI) -> None:
    """Byte for byte the same SignedData as pyHanko's own ``Signer.async_sign`` (RSA PKCS#1
    v1.5 is deterministic), apart from the order of the certificates (a set in pyHanko)."""
    digest = hashlib.sha256(b"a certificate").digest()
    stock = asyncio.run(key_signer(pki, embed_roots=False).async_sign(digest, "sha256", use_pades=True))
    ours = asyncio.run(TemplateSigner(key_signer(pki)).async_sign(digest, "sha256", use_pades=True))

    def certificates(info: cms.ContentInfo) -> set[bytes]:
        return {c.chosen.dump() for c in info["content"]["certificates"]}

    assert (
        certificates(ours)
        == certificates(stock)
        == {c.dump() for c in (*pki.chain, pki.signing_cert) if c.self_signed == "no"}
    )
    assert without(ours.native, "certificates") == without(stock.native, "certificates")
    assert ours["content"]["signer_infos"].dump() == stock["content"]["signer_infos"].dump()
    assert cms.ContentInfo.load(ours.dump()).native == ours.native  # well-formed DER throughout


def test_the_development_tsa_writes_pyhankos_tokens(pki: DevelopmentPKI) -> None:
    """The same token as pyHanko's dummy TSA for the same request and time, apart from the
    random serial number (and so the digest and signature over it)."""
    moment = dt.datetime(2026, 3, 1, 8, 30, 15, tzinfo=dt.UTC)
    ours = DevelopmentTimeStamper(pki)
    stock = DummyTimeStamper(
        tsa_cert=pki.tsa_cert,
        tsa_key=pki.tsa_key_info,
        certs_to_embed=SimpleCertificateStore.from_certs([pki.issuing_ca_cert]),
        fixed_dt=moment,
    )
    ours.fixed_dt = moment
    _, request = ours.request_cms(hashlib.sha256(b"document").digest(), "sha256")
    mine, theirs = ours.request_tsa_response(request), stock.request_tsa_response(request)

    def shape(response: tsp.TimeStampResp) -> Any:
        token = response["time_stamp_token"]["content"]
        tst_info = token["encap_content_info"]["content"].parsed.native
        signer_info = token["signer_infos"][0]
        return (
            without(tst_info, "serial_number"),
            without(token.native, "encap_content_info", "signed_attrs", "signature", "certificates"),
            [a["type"].native for a in signer_info["signed_attrs"]],
            [a.dump() for a in signer_info["signed_attrs"] if a["type"].native != "message_digest"],
        )

    assert shape(mine) == shape(theirs)
    for response in (mine, theirs):
        certificates = {c.chosen.dump() for c in response["time_stamp_token"]["content"]["certificates"]}
        assert certificates == {pki.tsa_cert.dump(), pki.issuing_ca_cert.dump()}


class GrowingTimeStamper(DevelopmentTimeStamper):
    """A TSA that starts sending its whole chain (its root too) in every token, as a TSA that
    was reconfigured would: tokens ~1 KB larger than the ones the reservation was measured on."""

    grown = False

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        if not self.grown:
            return super().request_tsa_response(req)
        return DummyTimeStamper.request_tsa_response(self, req)


def test_a_token_larger_than_reserved_signs_again_and_the_reservation_grows(pki: DevelopmentPKI, roots: list) -> None:
    tsa = GrowingTimeStamper(pki)
    signer = DocumentSigner(
        TemplateSigner(key_signer(pki)), tsa, context_factory(pki), reserve_margin=RESERVE_MARGIN_LOCAL
    )
    pdf, seal = make_input_pdf(), make_seal_png()
    first = signer.sign(pdf, seal_png=seal, box=BOX)  # measured on this one
    second = signer.sign(pdf, seal_png=seal, box=BOX)
    tsa.grown, tsa.certs_to_embed = True, [*tsa.certs_to_embed, pki.root_cert]
    grown = signer.sign(pdf, seal_png=seal, box=BOX)  # does not fit: signed again
    after = signer.sign(pdf, seal_png=seal, box=BOX)
    for data in (first, second, grown, after):
        report = validate_signed_pdf(data, roots)
        assert report.ok and report.lta_ok, report.problems
    # Tight, before and after: the DER and a margin of at most 64 bytes (+ ContentInfo head).
    for data in (second, after):
        for kind, (der, reserved) in _use(data).items():
            assert der <= reserved <= der + 100, kind
    # The next certificates get room for the larger tokens.
    assert _use(after)["/Sig"][1] > _use(second)["/Sig"][1] + 800
    assert _use(after)["/DocTimeStamp"][1] > _use(second)["/DocTimeStamp"][1] + 800


def test_validation_data_follows_the_context_when_it_is_rebuilt(pki: DevelopmentPKI, roots: list) -> None:
    """The pre-signing validation is kept only with its context: a context rebuilt (here
    after every signature) embeds the CRLs it was built with, not the first ones."""
    moments = iter(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1 + h) for h in range(100))

    def crls() -> list:
        return crls_published_at(pki.directory, next(moments))

    signer = DocumentSigner(
        TemplateSigner(key_signer(pki)), DevelopmentTimeStamper(pki), context_factory(pki, crls, dt.timedelta(0))
    )
    pdf, seal = make_input_pdf(), make_seal_png()
    updates = []
    for _ in range(2):
        data = signer.sign(pdf, seal_png=seal, box=BOX)
        assert validate_signed_pdf(data, roots).ok
        dss = PdfFileReader(io.BytesIO(data), strict=False).root["/DSS"]
        updates.append(
            {
                cms_crl["tbs_cert_list"]["this_update"].native
                for cms_crl in (_crl(stream.get_object().data) for stream in dss["/CRLs"])
            }
        )
    assert updates[0] != updates[1]  # the second signature carries the CRLs of the second context


def _crl(der: bytes) -> Any:
    from asn1crypto import crl

    return crl.CertificateList.load(der)


def _use(pdf: bytes) -> dict[str, tuple[int, int]]:
    use = {}
    for sig in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures:
        contents = sig.pkcs7_content
        use[str(sig.sig_object_type)] = (len(cms.ContentInfo.load(contents).dump()), len(contents))
    return use


_FORKED: dict[str, Any] = {}


def _sign_in_child() -> bytes:
    return _FORKED["signer"].sign(make_input_pdf(), seal_png=make_seal_png(), box=BOX)


def test_a_worker_forked_from_a_process_that_signed_signs_too(pki: DevelopmentPKI, roots: list) -> None:
    """Batch workers fork from a process whose signer has signed (its event loop and caches
    made): the child signs with what it inherited, and the parent goes on signing."""
    import multiprocessing

    signer = DocumentSigner(TemplateSigner(key_signer(pki)), DevelopmentTimeStamper(pki), context_factory(pki))
    assert validate_signed_pdf(signer.sign(make_input_pdf(), seal_png=make_seal_png(), box=BOX), roots).ok
    _FORKED["signer"] = signer
    with multiprocessing.get_context("fork").Pool(1) as pool:
        children = [pool.apply_async(_sign_in_child).get(timeout=60) for _ in range(2)]
    for data in (*children, signer.sign(make_input_pdf(), seal_png=make_seal_png(), box=BOX)):
        report = validate_signed_pdf(data, roots)
        assert report.ok and report.lta_ok, report.problems
