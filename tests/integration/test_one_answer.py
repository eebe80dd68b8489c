"""One answer per certificate on every path: QR page, API by token, PDF upload (page and API),
``ecert verify`` and ``ecert verify-qr`` say the same status, with the precedence of
``verifier.status`` (revoked > superseded > valid).

Three certificates, each tried on every path:
- a genuine older version of a corrected certificate: 已更正 / superseded, never 无效,
  with the current version linked and the statement that the title itself stands;
- an older version of a certificate whose current version was later revoked: 已撤销;
- the current version of the corrected one: 有效.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from PIL import Image

from ecert.cli import main
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories
from tests.conftest import BACKENDS, make_app, make_home, make_issuance, migrated_database
from tests.functional.test_pages import verdict_section
from tests.functional.test_upload import upload as post_pdf


@dataclass(frozen=True)
class Case:
    label: str
    token: str
    pdf: bytes
    qr_url: str
    status: str  # verifier.status
    word: str
    exit: int
    current_token: str | None = None


def _qr_url(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / name)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with Image.open(tmp_path / f"{name}.png") as image:
        found = zxingcpp.read_barcodes(image.convert("RGB"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    return found[0].text


# The certificates are issued once per backend for the whole module: the tests only read them
# (pages, API, upload, CLI checks), none changes a certificate.
@pytest.fixture(scope="module", params=BACKENDS)
def shared(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki_home: Path, renderer, signer, seal_png
) -> Iterator[tuple[Issuance, Flask]]:
    folder = tmp_path_factory.mktemp("one-answer")
    with migrated_database(request, request.param, folder) as url:
        issuance = make_issuance(url, make_home(folder, pki_home), renderer, signer, seal_png)
        app = make_app(issuance, renderer, signer, seal_png)
        yield issuance, app
        app.extensions["ecert"].db.dispose()
        issuance.db.dispose()


@pytest.fixture
def issuance(shared: tuple[Issuance, Flask]) -> Issuance:
    return shared[0]


@pytest.fixture
def app(shared: tuple[Issuance, Flask]) -> Flask:
    return shared[1]


@pytest.fixture(scope="module")
def cases(shared: tuple[Issuance, Flask], tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    issuance, tmp_path = shared[0], tmp_path_factory.mktemp("qr")

    def corrected(name: str) -> tuple[object, object]:
        old = issue_decision(issuance, factories.decision(name=name, employer="重庆市大足区中医院"))
        new = correct(issuance, old.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误")
        assert not isinstance(new, list)
        return old, new

    old, new = corrected("赵六")
    revoked_old, revoked_new = corrected("钱七")
    factories.revoked(issuance, revoked_new.number)  # type: ignore[attr-defined]

    def case(label: str, outcome, status: str, word: str, exit: int, current=None) -> Case:  # type: ignore[no-untyped-def]
        pdf = issuance.store.get(outcome.sha256)
        return Case(
            label, outcome.token, pdf, _qr_url(pdf, tmp_path, label), status, word, exit,
            current.token if current is not None else None,
        )  # fmt: skip

    return [
        case("superseded", old, "superseded", "已更正", 5, current=new),
        case("revoked", revoked_old, "revoked", "已撤销", 4),
        case("current", new, "valid", "有效", 0),
    ]


def test_every_path_gives_the_same_status(app, client, cases: list[Case], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    for case in cases:
        # The QR landing page and the API by token
        page = client.get(f"/v/{case.token}")
        assert page.status_code == 200
        assert f">{case.word}<" in verdict_section(page.get_data(as_text=True)), case.label
        by_token = client.get(f"/api/v1/tokens/{case.token}").get_json()["certificate"]
        assert by_token["status"] == case.status, case.label

        # The upload page: the certificate's status as the big word, never 无效 for a genuine file
        upload = post_pdf(client, case.pdf)
        html = upload.get_data(as_text=True)
        assert upload.status_code == 200 and f'<p class="word">{case.word}</p>' in html, case.label
        assert "无效" not in html.split('<div class="card">')[0], case.label

        # The API's PDF check
        api = client.post("/api/v1/verify", data=case.pdf, content_type="application/pdf").get_json()
        assert (api["status"], api["authentic"], api["valid"]) == (case.status, True, case.status == "valid")
        assert api["word_zh"] == case.word

        # ecert verify and ecert verify-qr: the documented exit status of that status
        path = tmp_path / f"{case.label}-upload.pdf"
        path.write_bytes(case.pdf)
        verify = runner.invoke(main, ["verify", str(path)])
        assert verify.exit_code == case.exit, (case.label, verify.output)
        assert verify.output.startswith(case.word), verify.output
        qr = runner.invoke(main, ["verify-qr", case.qr_url])
        assert qr.exit_code == case.exit, (case.label, qr.output)
        conclusion = next(line for line in qr.output.splitlines() if line.startswith("结论："))
        assert case.word in conclusion and "无效" not in conclusion, qr.output


def test_superseded_says_the_title_stands_and_links_the_current_version(client, cases: list[Case]) -> None:  # type: ignore[no-untyped-def]
    superseded = cases[0]
    for html in (
        client.get(f"/v/{superseded.token}").get_data(as_text=True),
        post_pdf(client, superseded.pdf).get_data(as_text=True),
    ):
        assert "证书所载职称仍然有效" in html
        assert f'href="/v/{superseded.current_token}' in html
    english = client.post("/api/v1/verify?lang=en", data=superseded.pdf, content_type="application/pdf").get_json()
    assert english["word_en"] == "Superseded" and "title itself remains valid" in english["summary_en"]
    assert english["certificate"]["current_url"].endswith(f"/v/{superseded.current_token}")


def test_verify_qr_offline_never_says_valid_for_a_revoked_certificate(app, cases: list[Case]) -> None:  # type: ignore[no-untyped-def]
    revoked = cases[1]
    result = app.test_cli_runner().invoke(main, ["verify-qr", "--offline", revoked.qr_url])
    assert result.exit_code == 0, result.output
    conclusion = next(line for line in result.output.splitlines() if line.startswith("结论："))
    assert conclusion.endswith("签名成立；证书现状未核验（离线）")
    assert "有效" not in conclusion.replace("签名成立", "")


def test_pages_label_fields_as_the_pdf_does(client, cases: list[Case], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import re

    current = cases[2]
    path = tmp_path / "current-text.pdf"
    path.write_bytes(current.pdf)
    printed = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    printed = re.sub(r"\s+", "", printed)
    for html in (
        client.get(f"/v/{current.token}").get_data(as_text=True),
        post_pdf(client, current.pdf).get_data(as_text=True),
    ):
        labels = re.findall(r"<dt>([^<]+)</dt>", html)
        assert {"姓名", "审批机关", "文号", "审批时间", "证书编号"} <= set(labels)
        assert [label for label in labels if label not in printed] == []


def test_the_api_documents_each_field_by_the_label_the_pdf_prints(client, cases: list[Case], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import re

    from verifier.views.api.routes import openapi_document

    current = cases[2]
    path = tmp_path / "current-api.pdf"
    path.write_bytes(current.pdf)
    printed = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)
    labels = re.findall(r"<dt>([^<]+)</dt>", client.get(f"/v/{current.token}").get_data(as_text=True))
    properties = openapi_document()["components"]["schemas"]["Certificate"]["properties"]
    answer = client.get(f"/api/v1/tokens/{current.token}").get_json()["certificate"]
    documented = {}
    for key, schema in properties.items():
        match = re.match(r"(\S+) \(", schema.get("description", ""))
        if match and "on the PDF and the pages" in schema["description"]:
            documented[match.group(1)] = key
    assert sorted(documented) == sorted(labels)  # every label on the page names one API field
    assert all(label in printed for label in documented)  # as the PDF prints it
    assert all(key in answer for key in documented.values())
