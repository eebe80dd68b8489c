"""Benchmark (not a test): our B-LTA signature of a certificate against pyHanko's own, both
measured in the same run, interleaved.

    .venv/bin/python scripts/bench_signing.py [--rounds 5] [--count 40] [--quick]

Sets up a throw-away development PKI, renders one certificate (unsigned) with a 600×800 JPEG
photo, then alternates, in rounds (which goes first alternates too):

- *ours*: ``DocumentSigner.sign`` as issuance calls it: a certification signature with the
  seal as its visible appearance, B-LTA (``issuer.signing``);
- *pyHanko*: the tuned sign-only baseline of ``scripts/bench_issuance.py`` (``Baseline``:
  ``PdfSigner.sign_pdf`` at B-LTA, key parsed once, ``bytes_reserved``, one validation context,
  the development TSA, the DSS in the signed revision; invisible, no seal);
- *pyHanko, stock TSA*: the same with the development TSA as it was before its tokens were
  written from DER encoded once (pyHanko's ``DummyTimeStamper`` with the key parsed once):
  what the sign-only baseline cost before this change, since both use the development TSA.

Prints the medians, the ratios ours/pyHanko, and the size of the signed certificate with its
breakdown (fonts, images, CMS, DSS, document timestamps; ``bench_issuance.size_breakdown``),
and writes them to ``$ECERT_HOME/bench-signing.json`` (default ``instance/bench-signing.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_issuance import Baseline, make_photo, size_breakdown  # noqa: E402


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def timed(sign: Callable[[], bytes], count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        sign()
        seconds.append(time.perf_counter() - start)
    return seconds


def stock_tsa_baseline(settings: Any) -> Baseline:
    """The baseline with the development TSA as before: pyHanko's dummy TSA encoding each
    token as asn1crypto objects, the key parsed once."""
    from asn1crypto import cms, core
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from pyhanko.sign import general
    from pyhanko.sign.general import simple_cms_attribute
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    from issuer.pki.development import DevelopmentPKI

    pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)

    class StockTimeStamper(DummyTimeStamper):
        def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, moment: Any) -> Any:
            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            attrs = cms.CMSAttributes(
                [
                    simple_cms_attribute("content_type", "tst_info"),
                    simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(moment)})),
                    simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                    simple_cms_attribute("message_digest", digest.finalize()),
                ]
            )
            signature = pki.tsa_key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
            return signature, attrs

    baseline = Baseline(settings)
    baseline.timestamper = StockTimeStamper(
        tsa_cert=pki.tsa_cert,
        tsa_key=pki.tsa_key_info,
        certs_to_embed=SimpleCertificateStore.from_certs([pki.issuing_ca_cert]),
    )
    return baseline


def certificate_pdf(photo: bytes, office: str, url: str) -> bytes:
    """One certificate as issuance renders it, unsigned."""
    from issuer.rendering.layout import CertificateRenderer, CertificateView

    number = "500111-2025-G-000123-7"
    view = CertificateView(
        number=number,
        token="T" * 26,
        version=1,
        verify_url=f"{url}/v/{'T' * 26}",
        name="张晓梅",
        gender="女",
        id_number="50011119850312402X",
        employer="重庆市大足区人民医院",
        series="卫生",
        specialty="临床医学（内科）",
        level="副高级",
        qualification="副主任医师",
        grant_route_label="评审",
        approval_date=date(2025, 10, 20),
        approving_body="重庆市卫生系列高级专业技术职务任职资格评审委员会",
        doc_no="渝人社发〔2025〕25号",
        issue_date=date(2025, 11, 15),
        office_name=office,
        photo=photo,
        record={"number": number, "name": "张晓梅", "version": 1},
    )
    return CertificateRenderer().render(view)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=40, help="signatures of each kind per round")
    parser.add_argument("--quick", action="store_true", help="a short run: 2 rounds of 5")
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("ECERT_HOME", ROOT / "instance")) / "bench-signing.json"
    )
    options = parser.parse_args()
    if options.quick:
        options.rounds, options.count = 2, 5

    from ecert.settings import Settings
    from ecert.x509 import parse_certificates
    from issuer.pki.development import DevelopmentPKI
    from issuer.rendering.layout import SEAL_BOX
    from issuer.signing.seal import make_seal_png
    from issuer.signing.signers import build_document_signer
    from verifier.pdf.signature import validate_signed_pdf

    with tempfile.TemporaryDirectory(prefix="ecert-bench-signing-") as folder:
        home = Path(folder)
        settings = Settings.from_env({"ECERT_HOME": str(home)})
        print("preparing a development PKI and a certificate …", flush=True)
        pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
        make_photo(home / "photo.jpg", 1)
        unsigned = certificate_pdf((home / "photo.jpg").read_bytes(), settings.office_name, settings.public_url)
        seal = make_seal_png(settings.office_name)
        ours = build_document_signer(settings)
        baseline = Baseline(settings)
        stock = stock_tsa_baseline(settings)
        subjects: dict[str, Callable[[], bytes]] = {
            "ours": lambda: ours.sign(unsigned, seal_png=seal, box=SEAL_BOX),
            "pyhanko": lambda: baseline.sign(unsigned),
            "pyhanko_stock_tsa": lambda: stock.sign(unsigned),
        }
        print("warming up (keys, validation contexts, reservations) …", flush=True)
        for sign in subjects.values():
            timed(sign, 3)
        signed = subjects["ours"]()
        report = validate_signed_pdf(signed, parse_certificates(pki.roots_pem()))
        if not (report.ok and report.lta_ok):
            raise SystemExit(f"our signature does not validate: {report.problems}")

        runs: dict[str, list[float]] = {name: [] for name in subjects}
        names = list(subjects)
        for round_ in range(options.rounds):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                runs[name] += timed(subjects[name], options.count)
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{name} {median(runs[name][-options.count :]) * 1000:.1f} ms" for name in names),
                flush=True,
            )
        breakdown = size_breakdown(signed)
        baseline_breakdown = size_breakdown(subjects["pyhanko"]())
        contents = _contents_use(signed)

    medians = {name: median(values) for name, values in runs.items()}
    figures: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "rounds": options.rounds,
        "count_per_round": options.count,
        "median_seconds": medians,
        "ratio_ours_to_pyhanko": medians["ours"] / medians["pyhanko"],
        "ratio_ours_to_pyhanko_stock_tsa": medians["ours"] / medians["pyhanko_stock_tsa"],
        "signatures_per_second": 1 / medians["ours"],
        "unsigned_bytes": len(unsigned),
        "size_signed": breakdown,
        "size_pyhanko_signed": baseline_breakdown,
        "contents": contents,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(figures, indent=2) + "\n")

    print()
    print(f"B-LTA signature of a certificate with a 600×800 photo, {len(runs['ours'])} of each, interleaved:")
    for name, label in (
        ("ours", "ours (DocumentSigner, seal)"),
        ("pyhanko", "pyHanko tuned sign-only"),
        ("pyhanko_stock_tsa", "  the same, stock-encoded TSA"),
    ):
        print(f"  {label:<32} {medians[name] * 1000:7.1f} ms")
    print(
        f"  ratio ours/pyHanko x{figures['ratio_ours_to_pyhanko']:.2f}"
        f" (x{figures['ratio_ours_to_pyhanko_stock_tsa']:.2f} against the stock-encoded TSA);"
        f" {figures['signatures_per_second']:.0f} signatures/s"
    )
    parts = ", ".join(f"{key} {value / 1024:.1f}" for key, value in breakdown.items() if key != "total")
    print(f"  size {breakdown['total'] / 1024:.1f} KB ({parts} KB); unsigned {len(unsigned) / 1024:.1f} KB")
    for kind, (der, reserved) in contents.items():
        print(f"  {kind}: CMS {der} bytes in {reserved} reserved ({reserved - der} padding)")
    print(f"  load average {figures['load_average']}; figures in {options.out}")
    return 0


def _contents_use(pdf: bytes) -> dict[str, tuple[int, int]]:
    """For the signature and the document timestamp: (DER bytes, bytes reserved)."""
    from asn1crypto import cms
    from pyhanko.pdf_utils.reader import PdfFileReader

    use = {}
    for sig in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures:
        kind = "document timestamp" if sig.sig_object_type == "/DocTimeStamp" else "signature"
        contents = sig.pkcs7_content
        der = len(cms.ContentInfo.load(contents).dump())  # the DER's own length; zeros follow
        use[kind] = (der, len(contents))
    return use


if __name__ == "__main__":
    raise SystemExit(main())
