"""The signed QR claim end to end: issue, rasterise at 150 dpi, decode, ``ecert verify-qr``.

One database backend is enough here (the claim touches no SQL of its own).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from ecert.models import CertificateStatus
from ecert.qr_claim import KeySet, decode_claim, loads_keyset, published_key
from ecert.vocab.numbering import format_number, next_usable_seq
from issuer.rendering.layout import CertificateView
from issuer.rendering.qr import MAX_VERSION, qr_modules
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.pipeline import Reservation, certificate_view
from tests import factories

zxingcpp = pytest.importorskip("zxingcpp")
pyzbar = pytest.importorskip("pyzbar.pyzbar")

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

WORST_NAME = "𠇔𡒄𪚥𠀀𠀁𠀂"
WORST_QUALIFICATION = "教授级高级工程师"


def _rasterise(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return tmp_path / "page.png"


def _decode_both(png: Path) -> str:
    image = Image.open(png).convert("RGB")
    zx = [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    zb = [d.data.decode() for d in pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])]
    assert len(zx) == 1 and zx == zb
    return zx[0]


def _cli(issuance: Issuance, *args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ECERT_HOME": str(issuance.settings.home),
        "DATABASE_URL": issuance.settings.database_url,
        "ECERT_ENV": "development",
    }
    for name in ("ECERT_QR_KEY_FILE", "ECERT_QR_KEY_ID", "ECERT_QR_KEYSET_FILE", "FLASK_APP"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "ecert", *(["--lang", lang] if lang else []), "verify-qr", *args],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def value_of(output: str, label: str) -> str:
    """The value printed after ``label`` (the command pads its labels into a column)."""
    lines = [line for line in output.splitlines() if line.startswith(label)]
    assert len(lines) == 1, (label, output)
    return lines[0][len(label) :].strip()


@pytest.fixture
def issued(issuance: Issuance, tmp_path: Path):  # type: ignore[no-untyped-def]
    decision = factories.decision(name="欧阳𠇔晓", qualification="主治医师")
    outcome = issue_decision(issuance, decision)
    png = _rasterise(issuance.store.get(outcome.sha256), tmp_path)
    return decision, outcome, png


def test_issued_qr_carries_a_claim_that_verifies_offline(issuance: Issuance, issued) -> None:  # type: ignore[no-untyped-def]
    decision, outcome, png = issued
    url = _decode_both(png)
    assert url.startswith(issuance.settings.verify_url(outcome.token) + "?c=")
    claim = decode_claim(url.split("?c=", 1)[1], outcome.token)
    assert (claim.number, claim.masked_name, claim.version, claim.grant_date) == (
        outcome.number,
        "欧**晓",
        1,
        decision.approval_date,
    )
    assert claim.kid == "dev-2026-1" and claim.issue_date == date(2026, 11, 26)

    by_image = _cli(issuance, str(png))
    assert by_image.returncode == 0, by_image.stdout + by_image.stderr
    for value in (
        outcome.number,
        "欧**晓",
        decision.qualification,
        "2025-12-20",
        outcome.token,
        "dev-2026-1",
        "2026-11-26",
    ):
        assert value in by_image.stdout, value
    assert decision.name not in by_image.stdout  # the QR code does not carry it
    assert value_of(by_image.stdout, "结论：").startswith("有效 — ")  # Chinese unless asked otherwise

    by_text = _cli(issuance, url)
    assert by_text.returncode == 0, by_text.stdout + by_text.stderr
    assert by_text.stdout == by_image.stdout


def test_tampered_claim_fails(app, issued) -> None:  # type: ignore[no-untyped-def]
    _, _, png = issued
    url = _decode_both(png)
    base, claim = url.split("?c=", 1)
    for i in (5, 30, len(claim) // 2, len(claim) - 20):  # key id, dates and number, name, signature
        tampered = f"{base}?c={claim[:i]}{'B' if claim[i] != 'B' else 'C'}{claim[i + 1 :]}"
        result = app.test_cli_runner().invoke(args=["verify-qr", tampered])
        assert result.exit_code == 1, result.output
        assert value_of(result.output, "结论：") == "无效"


def test_other_key_set_fails_and_usage_errors(app, issuance: Issuance, issued, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, _, png = issued
    url = _decode_both(png)
    other = KeySet(
        "someone else",
        (published_key("dev-2026-1", Ed25519PrivateKey.generate().public_key(), date(2026, 1, 1), date(2030, 12, 31)),),
    )
    other_file = tmp_path / "other-keys.json"
    other_file.write_text(other.dumps())
    runner = app.test_cli_runner()

    result = runner.invoke(args=["verify-qr", url, "--keys", str(other_file)])
    assert result.exit_code == 1 and value_of(result.output, "结论：") == "无效" and "someone else" in result.output
    published = issuance.settings.qr_keyset_path
    saved = tmp_path / "saved-keys.json"
    saved.write_bytes(published.read_bytes())
    result = runner.invoke(args=["verify-qr", str(png), "--keys", str(saved)])
    assert result.exit_code == 0 and value_of(result.output, "结论：").startswith("有效 — "), result.output

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    for args in (
        [str(blank)],  # no QR code
        [str(junk)],  # unreadable
        [str(tmp_path / "missing.png")],
        [url, "--keys", str(junk)],  # a key set that is no JSON
    ):
        result = runner.invoke(args=["verify-qr", *args])
        assert result.exit_code == 2 and "错误：" in result.output, (args, result.output)
    no_claim = runner.invoke(args=["verify-qr", url.split("?", 1)[0]])
    assert no_claim.exit_code == 1 and "链接中没有签名信息（?c=）" in no_claim.output


def test_well_known_endpoint_serves_the_key_set(client, issuance: Issuance, issued) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/ecert-qr-keys.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "public" in response.headers["Cache-Control"] and "max-age=3600" in response.headers["Cache-Control"]
    document = response.get_json()
    assert document["issuer"] == issuance.settings.office_name
    assert [(k["kid"], k["alg"], k["status"]) for k in document["keys"]] == [("dev-2026-1", "Ed25519", "active")]
    assert document["verify_base_urls"] == [issuance.settings.public_url]  # "http://127.0.0.1:8000"
    assert list(document) == ["issuer", "verify_base_urls", "keys"]
    assert loads_keyset(response.data) == loads_keyset(issuance.settings.qr_keyset_path.read_bytes())
    assert "PRIVATE" not in response.get_data(as_text=True)


def test_well_known_endpoint_adds_the_public_url_to_an_older_key_set(client, issuance: Issuance, issued) -> None:  # type: ignore[no-untyped-def]
    path = issuance.settings.qr_keyset_path
    document = json.loads(path.read_text())
    del document["verify_base_urls"]  # as published before the field existed
    path.write_text(json.dumps(document))
    served = client.get("/.well-known/ecert-qr-keys.json").get_json()
    assert served["verify_base_urls"] == ["http://127.0.0.1:8000"]
    assert [k["kid"] for k in served["keys"]] == ["dev-2026-1"]


def test_well_known_endpoint_fails_closed_on_a_broken_file(client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    path = issuance.settings.qr_keyset_path
    assert client.get("/.well-known/ecert-qr-keys.json").get_json()["keys"] == []  # nothing signed yet
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{broken")
    response = client.get("/.well-known/ecert-qr-keys.json")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "keyset_unavailable"


def test_claim_status_against_the_registry(app, issuance: Issuance, issued) -> None:  # type: ignore[no-untyped-def]
    from verifier import lookup
    from verifier.qr.check import claim_status, load_published_keyset

    _, outcome, png = issued
    claim = _decode_both(png).split("?c=", 1)[1]
    with app.app_context():
        keyset = load_published_keyset(app)
        assert load_published_keyset() is keyset  # cached per process
        with issuance.db.read() as session:
            certificate = lookup.by_token(session, outcome.token)
        status = claim_status(claim, certificate, token=outcome.token, keyset=keyset)
        assert (status.state, status.reason) == ("valid", "ok")
        assert claim_status(None, certificate, token=outcome.token, keyset=keyset).state == "absent"
        assert certificate is not None
        other_holder = replace(certificate, masked_name="李**晓")
        wrong_name = claim_status(claim, other_holder, token=outcome.token, keyset=keyset)
        assert wrong_name.state == "mismatch" and wrong_name.mismatched == ("name",)


def test_worst_case_claim_url_decodes_from_a_150_dpi_raster(renderer, issuance: Issuance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Ext-B characters in the masked name, the longest qualification, a 38-character host:
    version 10, both decoders."""
    host = "https://zhicheng-ecert.rsj.dazu.gov.cn"
    settings = replace(issuance.settings, public_url=host)
    decision = factories.decision(
        name=WORST_NAME, level="正高级", series="工程", specialty="电气工程", qualification=WORST_QUALIFICATION
    )
    number = format_number("500111", 2026, next_usable_seq("500111", 2026, 999_000))
    reservation = Reservation(1, number, "K7Q2M4X3TB3ZHRW5NPD6FJ2C", 1, CertificateStatus.PENDING, None)
    view: CertificateView = certificate_view(
        decision, reservation, settings, photo=None, issue_date=date(2026, 11, 26), claim_signer=issuance.claim_signer
    )
    assert view.record["verify_url"] == view.verify_url  # the embedded record carries the same URL as the QR
    assert len(view.verify_url) >= 254
    assert (len(qr_modules(view.verify_url)) - 17) // 4 == MAX_VERSION
    png = _rasterise(renderer.render(view), tmp_path)
    assert _decode_both(png) == view.verify_url
    text = subprocess.run(
        ["pdftotext", "-raw", str(tmp_path / "certificate.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"{host}/v/K7Q2M4X3TB3ZHRW5NPD6FJ2C" in text and "?c=" not in text  # printed short
    keyset = loads_keyset(settings.qr_keyset_path.read_bytes())
    status_claim = decode_claim(view.verify_url.split("?c=", 1)[1], "K7Q2M4X3TB3ZHRW5NPD6FJ2C")
    assert status_claim.masked_name == "𠇔****𠀂" and keyset.get(status_claim.kid) is not None
    assert json.loads(settings.qr_keyset_path.read_text())["keys"][0]["alg"] == "Ed25519"


def test_verify_qr_refuses_a_real_claim_on_a_foreign_host(app, issued) -> None:  # type: ignore[no-untyped-def]
    _, outcome, png = issued
    url = _decode_both(png)
    claim = url.split("?c=", 1)[1]
    official = "http://127.0.0.1:8000"
    assert url == f"{official}/v/{outcome.token}?c={claim}"
    runner = app.test_cli_runner()

    phishing = runner.invoke(args=["verify-qr", f"https://evil.example/v/{outcome.token}?c={claim}"])
    assert phishing.exit_code == 1, phishing.output
    assert value_of(phishing.output, "网址：") == (
        f"无效 — 二维码指向的网址 https://evil.example 不是发证机关的官方网址 {official}：请勿相信"
    )
    assert "注意：请勿打开二维码中的网址" in phishing.output
    assert value_of(phishing.output, "官方验证页：") == f"{official}/v/{outcome.token}"
    assert value_of(phishing.output, "结论：") == "无效"
    # --any-host does not override a site the key set publishes.
    assert (
        runner.invoke(args=["verify-qr", "--any-host", f"https://evil.example/v/{outcome.token}?c={claim}"]).exit_code
        == 1
    )

    genuine = runner.invoke(args=["verify-qr", url])
    assert genuine.exit_code == 0, genuine.output
    assert value_of(genuine.output, "网址：") == f"官方网址 — {official}"
    assert value_of(genuine.output, "官方验证页：") == f"{official}/v/{outcome.token}"
    assert value_of(genuine.output, "结论：").startswith("有效 — ") and "请勿打开" not in genuine.output

    other_scheme = runner.invoke(args=["verify-qr", f"https://127.0.0.1:8000/v/{outcome.token}?c={claim}"])
    assert other_scheme.exit_code == 1 and "二维码指向的网址 https://127.0.0.1:8000 不是" in other_scheme.output
    other_port = runner.invoke(args=["verify-qr", f"http://127.0.0.1:8001/v/{outcome.token}?c={claim}"])
    assert other_port.exit_code == 1 and "不是发证机关的官方网址" in other_port.output


def test_verify_qr_with_a_saved_key_set_checks_the_host(app, issuance: Issuance, issued, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, outcome, png = issued
    claim = _decode_both(png).split("?c=", 1)[1]
    document = json.loads(issuance.settings.qr_keyset_path.read_text())
    runner = app.test_cli_runner()

    # An official site listed with a trailing slash; the QR's host in another case, with a trailing slash.
    document["verify_base_urls"] = ["https://ecert.dazu.gov.cn/"]
    saved = tmp_path / "saved-keys.json"
    saved.write_text(json.dumps(document))
    mixed_case = f"https://ECERT.Dazu.GOV.cn/v/{outcome.token}/?c={claim}"
    result = runner.invoke(args=["verify-qr", mixed_case, "--keys", str(saved)])
    assert result.exit_code == 0, result.output
    assert value_of(result.output, "官方验证页：") == f"https://ecert.dazu.gov.cn/v/{outcome.token}"
    plain_http = runner.invoke(
        args=["verify-qr", f"http://ecert.dazu.gov.cn/v/{outcome.token}?c={claim}", "--keys", str(saved)]
    )
    assert plain_http.exit_code == 1 and "二维码指向的网址 http://ecert.dazu.gov.cn 不是" in plain_http.output

    # An older key set without verify_base_urls cannot tell the host: refused unless --any-host.
    del document["verify_base_urls"]
    old = tmp_path / "old-keys.json"
    old.write_text(json.dumps(document))
    foreign = f"https://evil.example/v/{outcome.token}?c={claim}"
    result = runner.invoke(args=["verify-qr", foreign, "--keys", str(old)])
    assert result.exit_code == 1 and value_of(result.output, "网址：").startswith("无法核验 —")
    assert "--any-host" in result.output
    result = runner.invoke(args=["verify-qr", foreign, "--keys", str(old), "--any-host"])
    assert result.exit_code == 0 and value_of(result.output, "网址：").startswith("未核验（--any-host）")
    assert "官方验证页" not in result.output


def test_verify_qr_by_subprocess_refuses_a_foreign_host(issuance: Issuance, issued) -> None:  # type: ignore[no-untyped-def]
    _, outcome, png = issued
    claim = _decode_both(png).split("?c=", 1)[1]
    result = _cli(issuance, f"https://evil.example/v/{outcome.token}?c={claim}", lang="en")
    assert result.returncode == 1, result.stdout + result.stderr
    # English when asked: every line, labels included.
    assert "the QR points to https://evil.example, not the issuing office's site http://127.0.0.1:8000" in result.stdout
    assert value_of(result.stdout, "result:") == "Not valid"
    assert value_of(result.stdout, "official page:") == f"http://127.0.0.1:8000/v/{outcome.token}"
    assert "Note: do not open the URL in this QR code" in result.stdout
    for chinese in ("结论", "注意", "网址：", "签名：", "官方验证页"):  # the claim's own fields stay as signed
        assert chinese not in result.stdout, chinese


@pytest.mark.parametrize(
    ("args", "exit_code", "line"),
    [
        (["--name", "欧阳𠇔晓"], 0, "与登记一致"),
        (["--name", "欧阳某晓"], 1, "不一致 — 登记的持证人不是您输入的姓名"),  # same mask, another name
        (["--name", "欧阳\u200b𠇔晓"], 1, "不一致"),  # a name no registry holds
        (["--offline", "--name", "欧阳某晓"], 0, "首尾字一致"),  # offline only the mask can be compared
        (["--offline", "--name", "李四"], 1, "不一致 — 您输入的姓名与二维码所载姓名（欧**晓）不符"),
    ],
)
def test_verify_qr_checks_a_typed_name(app, issued, args: list[str], exit_code: int, line: str) -> None:  # type: ignore[no-untyped-def]
    _, _, png = issued
    result = app.test_cli_runner().invoke(args=["verify-qr", *args, _decode_both(png)])
    assert result.exit_code == exit_code, result.output
    assert line in value_of(result.output, "姓名核对：")
    assert ("无效" in value_of(result.output, "结论：")) is (exit_code == 1)
