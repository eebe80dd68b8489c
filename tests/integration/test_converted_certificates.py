"""A certificate converted from a pre-2021 paper one: issued through ``issue_decision`` with a
``Provenance``, it prints the paper number beside its own and the provenance note, signs it
into the embedded record, validates like any certificate, and keeps it through corrections
and use copies."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import select

from ecert.cli import main
from ecert.models import Certificate, Decision
from issuer.decisions import Provenance
from issuer.rendering.layout import PHOTO_BOX, SEAL_BOX, qr_box
from issuer.rendering.qr import qr_modules
from issuer.rendering.text import PT_PER_MM
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from issuer.services.preflight import print_problems
from issuer.services.use_copy import make_use_copy
from tests import factories
from verifier.pdf.signature import validate_signed_pdf

PAPER = "渝卫高字第0012号"
OFFICE = "重庆市大足区人事档案管理中心"
NOTE = f"由纸质证书转换，原证书编号{PAPER}，档案材料经{OFFICE}于2026年11月10日核验"


def provenance(**changes: object) -> Provenance:
    return replace(Provenance(PAPER, OFFICE, date(2026, 11, 10), 7), **changes)  # type: ignore[arg-type]


def converted(**fields: object) -> object:
    values: dict[str, object] = {
        "approval_date": date(2003, 7, 1),
        "doc_no": "渝卫职改〔2003〕12号",
        "provenance": provenance(),
        **fields,
    }
    return factories.decision(**values)


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _words(pdf: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        _run("pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"),
    )
    return [(text, tuple(float(v) / PT_PER_MM for v in box)) for *box, text in found]  # type: ignore[misc]


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _record(pdf: bytes) -> dict:  # type: ignore[type-arg]
    import io

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return json.loads(document.attachments["certificate.json"].get_file().read_bytes())  # type: ignore[no-any-return]


def _text(pdf: Path) -> str:
    return _run("pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-").replace("\n", "")


def assert_clear_of_photo_qr_and_seal(pdf: Path, verify_url: str) -> list[str]:
    """Every word inside the frame and off the photo, the QR code and the seal (the office
    and the issue date sit under the seal by design); returns the words."""
    x1, y1, x2, y2 = SEAL_BOX
    seal = (x1 / PT_PER_MM, (841.89 - y2) / PT_PER_MM, x2 / PT_PER_MM, (841.89 - y1) / PT_PER_MM)
    px, py, pw, ph = PHOTO_BOX
    qx, qy, qw, qh = qr_box(len(qr_modules(verify_url)))
    boxes = {"photo": (px, py, px + pw, py + ph), "qr": (qx, qy, qx + qw, qy + qh), "seal": seal}
    words = _words(pdf)
    for word, box in words:
        under_seal = box[1] > 228 and box[0] > 100 and not box[1] > 262
        for name, other in boxes.items():
            if name == "seal" and under_seal:
                continue
            assert not _overlaps(box, other), f"{word!r} at {box} overlaps the {name}"
        assert box[0] > 14 and box[2] < 196 and box[1] > 14 and box[3] < 283, f"{word!r} leaves the frame"
    # No two words of the page on top of each other (the note, the numbers, the fields).
    for i, (word, box) in enumerate(words):
        for other_word, other in words[i + 1 :]:
            assert not _overlaps(box, other), f"{word!r} at {box} overlaps {other_word!r} at {other}"
    return [word for word, _ in words]


def test_a_converted_certificate_prints_its_paper_number_and_provenance_and_validates(
    issuance: Issuance, trust_roots: list, tmp_path: Path
) -> None:
    decision = converted(name="李晓芸")
    assert print_problems(issuance, decision) == []
    outcome = issue_decision(issuance, decision)
    pdf = issuance.store.get(outcome.sha256)
    path = tmp_path / "converted.pdf"
    path.write_bytes(pdf)

    assert re.search(r"^Pages:\s+1$", _run("pdfinfo", str(path)), re.M)
    text = _text(path)
    assert NOTE in text
    assert f"原纸质证书编号：{PAPER}" in text and f"证书编号：{outcome.number}" in text
    assert "2003年7月1日" in text  # the original approval date is kept
    record = _record(pdf)
    url = record["verify_url"]
    assert_clear_of_photo_qr_and_seal(path, url)
    _run("pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(tmp_path / "page"))

    assert record["provenance"] == {
        "converted_from": "paper",
        "paper_number": PAPER,
        "verified_by": OFFICE,
        "verified_on": "2026-11-10",
    }
    report = validate_signed_pdf(pdf, trust_roots)
    assert report.intact and report.valid and report.trusted, report.problems
    with issuance.db.read() as session:
        row = session.scalars(select(Decision)).one()
        assert (row.source, row.paper_number) == ("legacy", PAPER)
        assert row.provenance == provenance().as_json()


def test_a_born_electronic_certificate_has_no_provenance(issuance: Issuance, tmp_path: Path) -> None:
    outcome = issue_decision(issuance, factories.decision())
    pdf = issuance.store.get(outcome.sha256)
    path = tmp_path / "born.pdf"
    path.write_bytes(pdf)
    text = _text(path)
    assert "由纸质证书转换" not in text and "原纸质证书编号" not in text
    assert _record(pdf)["provenance"] is None


def test_a_correction_keeps_the_provenance_and_paper_number(issuance: Issuance, tmp_path: Path) -> None:
    issued = issue_decision(issuance, converted())
    changed = correct(issuance, issued.number, {"employer": "重庆市大足区中医院"}, reason="单位名称有误")
    assert not isinstance(changed, list)
    assert changed.version == 2
    pdf = issuance.store.get(changed.sha256 or "")
    path = tmp_path / "v2.pdf"
    path.write_bytes(pdf)
    text = _text(path)
    assert NOTE in text and f"原纸质证书编号：{PAPER}" in text and "重庆市大足区中医院" in text and "第2版" in text
    assert _record(pdf)["provenance"]["paper_number"] == PAPER
    assert_clear_of_photo_qr_and_seal(path, _record(pdf)["verify_url"])
    with issuance.db.read() as session:
        rows = session.execute(
            select(Certificate.version, Decision.source, Decision.paper_number, Decision.provenance)
            .join(Decision, Certificate.decision_id == Decision.id)
            .order_by(Certificate.version)
        ).all()
    assert [(r.version, r.source, r.paper_number) for r in rows] == [(1, "legacy", PAPER), (2, "correction", PAPER)]
    assert rows[1].provenance == rows[0].provenance


def test_a_correction_cannot_set_the_provenance(issuance: Issuance, app) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, converted())
    runner = app.test_cli_runner()
    for column in ("paper_number", "provenance", "原纸质证书编号"):
        result = runner.invoke(main, ["correct", issued.number, "--set", f"{column}=X-1", "--reason", "r"])
        assert result.exit_code != 0 and "不是可更正的列" in result.output, result.output
    # The service refuses it as no column of a decision; nothing was re-issued.
    refused = correct(issuance, issued.number, {"employer": "重庆市大足区中医院", "paper_number": "X-1"}, reason="r")
    assert isinstance(refused, list) and [(e.column, e.code) for e in refused] == [("paper_number", "not_a_column")]
    with issuance.db.read() as session:
        numbers = session.scalars(select(Decision.paper_number).order_by(Decision.id)).all()
    assert numbers == [PAPER]


def test_a_use_copy_of_a_converted_certificate_prints_its_provenance(issuance: Issuance, tmp_path: Path) -> None:
    issued = issue_decision(issuance, converted())
    with issuance.db.read() as session:
        certificate = session.scalars(select(Certificate)).one()
        ids = (certificate.decision.holder_id, certificate.id)
    made = make_use_copy(
        issuance,
        holder_id=ids[0],
        certificate_id=ids[1],
        recipient="重庆市大足区人民医院",
        purpose="应聘",
        valid_until=date(2026, 12, 20),
    )
    pdf = issuance.store.get(made.sha256)
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    assert NOTE in _text(path)
    assert _record(pdf)["provenance"]["paper_number"] == PAPER
    assert issued.number in _text(path)


def test_preflight_refuses_a_provenance_that_cannot_print(issuance: Issuance) -> None:
    long_office = "重庆市大足区人力资源和社会保障局人事档案管理中心" * 3
    (problem,) = print_problems(issuance, converted(provenance=provenance(verified_by=long_office)))
    assert (problem.column, problem.code) == ("provenance", "provenance.too_long")
    (problem,) = print_problems(issuance, converted(provenance=provenance(paper_number="W" * 40)))
    assert (problem.column, problem.code) == ("provenance", "provenance.too_long")
    (problem,) = print_problems(issuance, converted(provenance=provenance(paper_number="渝\U0010fffd1")))
    assert (problem.column, problem.code) == ("provenance", "unprintable")
    # A long office still prints, on two lines broken between the clauses.
    assert (
        print_problems(
            issuance, converted(provenance=provenance(verified_by="重庆市大足区人力资源和社会保障局人事档案管理中心"))
        )
        == []
    )


def test_ecert_verify_names_the_provenance(issuance: Issuance, tmp_path: Path) -> None:
    from tests.integration.test_verify_cli import run

    if not issuance.settings.database_url.startswith("sqlite"):
        pytest.skip("one run as a real process is enough")
    issued = issue_decision(issuance, converted())
    path = tmp_path / "converted.pdf"
    path.write_bytes(issuance.store.get(issued.sha256))
    text = run(issuance, str(path))
    assert text.returncode == 0, text.stderr
    assert NOTE in text.stdout
    as_json = run(issuance, str(path), "--json")
    assert json.loads(as_json.stdout)["certificate"]["provenance"]["paper_number"] == PAPER
