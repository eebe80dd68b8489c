"""The production timestamp path: pyHanko's HTTPTimeStamper against a real RFC 3161 server
on 127.0.0.1 (the development TSA key behind an HTTP endpoint), not the in-process shortcut."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp

from ecert.settings import Settings
from issuer.pki.development import DevelopmentPKI
from issuer.signing.signers import build_document_signer
from issuer.signing.timestamping import DevelopmentTimeStamper
from tests.conftest import OFFICE, make_home
from verifier.pdf.signature import validate_signed_pdf


@pytest.fixture
def tsa_url(pki_home: Path) -> Iterator[str]:
    stamper = DevelopmentTimeStamper(DevelopmentPKI.load_or_create(pki_home / "pki", OFFICE, "http://127.0.0.1:8000"))
    requests: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert self.headers["Content-Type"] == "application/timestamp-query"
            body = self.rfile.read(int(self.headers["Content-Length"]))
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            requests.append(len(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    assert requests, "the signer never called the HTTP TSA"


def test_signing_with_an_external_tsa_url(
    tsa_url: str, tmp_path: Path, pki_home: Path, renderer, seal_png, trust_roots
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from issuer.rendering.layout import SEAL_BOX, CertificateView

    home = make_home(tmp_path, pki_home)
    signer = build_document_signer(Settings(home=home, database_url="sqlite://", tsa_url=tsa_url))
    view = CertificateView(
        number="ZC500111-2026-000001-H",
        token="A" * 24,
        version=1,
        verify_url="http://127.0.0.1:8000/v/" + "A" * 24,
        name="张三",
        gender="男",
        id_number="500111198803151232",
        employer="重庆市大足区人民医院",
        series="卫生",
        specialty="内科学",
        level="中级",
        qualification="主治医师",
        grant_route_label="评审",
        approval_date=date(2025, 12, 18),
        approving_body="重庆市卫生系列中级职称评审委员会",
        doc_no="渝卫人〔2025〕112号",
        issue_date=date(2026, 11, 26),
        office_name=OFFICE,
        photo=None,
        record={"number": "ZC500111-2026-000001-H"},
    )
    pdf = signer.sign(renderer.render(view), seal_png=seal_png, box=SEAL_BOX)
    report = validate_signed_pdf(pdf, trust_roots)
    assert report.ok and report.timestamp_ok and report.ltv, report.problems
