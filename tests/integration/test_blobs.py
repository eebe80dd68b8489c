"""A missing or altered blob is named by its certificate (number and version), never a
traceback: ``ecert db verify-blobs``, ``ecert issue --out`` and ``ecert correct``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from ecert.cli import main
from ecert.models import Certificate
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_operator_mistakes import EXAMPLES, _run


def blob_path(issuance: Issuance, sha256: str) -> Path:
    return issuance.settings.blob_dir / sha256[:2] / sha256


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    image = Image.new("RGB", (300, 400), (70, 110, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_verify_blobs_says_all_present(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        issue_decision(issuance, factories.decision())
    result = app.test_cli_runner().invoke(main, ["--lang", "en", "db", "verify-blobs"])
    assert result.exit_code == 0, result.output
    assert result.output == "checked the files of 2 certificate versions: all present and intact\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_verify_blobs_names_each_missing_or_altered_file(app, issuance: Issuance, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    kept = issue_decision(issuance, factories.decision())
    lost = issue_decision(issuance, factories.decision())
    changed = issue_decision(issuance, factories.decision())
    with_photo = issue_decision(issuance, factories.decision(photo=_photo(tmp_path)))
    with issuance.db.read() as session:
        photo_sha256 = (
            session.scalars(select(Certificate).where(Certificate.number == with_photo.number))
            .one()
            .decision.photo_sha256
        )
    assert photo_sha256
    blob_path(issuance, lost.sha256).unlink()
    blob_path(issuance, changed.sha256).write_bytes(b"%PDF-1.7 not what was signed")
    blob_path(issuance, photo_sha256).unlink()

    result = app.test_cli_runner().invoke(main, ["--lang", lang, "db", "verify-blobs"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    if lang == "en":
        assert lines == [
            f"the PDF of certificate {lost.number} v1 is missing from the blob store (SHA-256 {lost.sha256}); "
            "restore it from a backup",
            f"the PDF of certificate {changed.number} v1 has been altered: its content does not match the "
            f"registered SHA-256 {changed.sha256}; restore it from a backup",
            f"the photo of certificate {with_photo.number} v1 is missing from the blob store "
            f"(SHA-256 {photo_sha256}); restore it from a backup",
            "checked the files of 4 certificate versions: 3 file(s) missing or altered",
        ]
    else:
        assert lines[0] == f"证书 {lost.number} 第 1 版的 PDF 文件不在文件库中（SHA-256 {lost.sha256}）；请从备份恢复"
        assert lines[1].startswith(f"证书 {changed.number} 第 1 版的 PDF 文件已被改动")
        assert lines[2].startswith(f"证书 {with_photo.number} 第 1 版的照片文件不在文件库中")
        assert lines[3] == "已核对 4 个证书版本的文件：3 个文件缺失或已被改动"
    assert kept.number not in result.output


def _two_row_csv(tmp_path: Path) -> Path:
    rows = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "two.csv"
    path.write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")
    return path


def test_issue_out_names_the_already_issued_certificate_whose_pdf_is_missing(
    app, issuance: Issuance, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    csv = _two_row_csv(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["--lang", "en", "issue", str(csv), "--json"])
    assert first.exit_code == 0, first.output
    issued = [json.loads(line) for line in first.output.splitlines() if '"row"' in line]
    lost = issued[0]
    blob_path(issuance, lost["sha256"]).unlink()

    out = tmp_path / "out"
    again = runner.invoke(main, ["--lang", "en", "issue", str(csv), "--out", str(out)])

    assert again.exit_code == 1
    assert "Traceback" not in again.output
    assert (
        f"the PDF of certificate {lost['number']} v1 is missing from the blob store (SHA-256 {lost['sha256']}); "
        "restore it from a backup"
    ) in again.output.splitlines()
    assert again.output.splitlines()[-1] == (
        f"the PDF of 1 certificate(s) could not be written to {out} (missing from the blob store or altered): "
        f"{lost['number']}; run ecert db verify-blobs"
    )
    # The other certificate was still copied, byte for byte.
    other = issued[1]
    assert (out / f"{other['number']}.pdf").read_bytes() == issuance.store.get(other["sha256"])
    assert not (out / f"{lost['number']}.pdf").exists()


def test_correct_names_the_certificate_whose_photo_is_missing_and_reserves_nothing(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, tmp_path: Path
) -> None:
    issued = issue_decision(issuance, factories.decision(photo=_photo(tmp_path)))
    with issuance.db.read() as session:
        photo_sha256 = session.scalars(select(Certificate).where(Certificate.number == issued.number)).one()
        photo_sha256 = photo_sha256.decision.photo_sha256
    assert photo_sha256
    blob_path(issuance, photo_sha256).unlink()

    result = app.test_cli_runner().invoke(
        main, ["--lang", "en", "correct", issued.number, "--set", "employer=重庆市大足区中医院", "--reason", "r"]
    )

    assert result.exit_code == 1
    assert result.output.strip() == (
        f"the photo of certificate {issued.number} v1 is missing from the blob store (SHA-256 {photo_sha256}); "
        "restore it from a backup"
    )
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 1  # no pending v2 left behind


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one backend is enough for a process's output
def test_verify_blobs_as_a_real_process(tmp_path: Path, database_url: str, pki_home: Path, issuance: Issuance) -> None:
    lost = issue_decision(issuance, factories.decision())
    blob_path(issuance, lost.sha256).unlink()

    result = _run(issuance.settings.home, "db", "verify-blobs", DATABASE_URL=database_url)

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith(f"the PDF of certificate {lost.number} v1 is missing")
    assert result.stdout == "checked the files of 1 certificate versions: 1 file(s) missing or altered\n"
