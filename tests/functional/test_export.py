"""``ecert export NUMBER [--version N] --out FILE`` writes the stored signed PDF exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ecert.cli import main
from ecert.models import Certificate
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import Changed, correct
from tests import factories
from tests.functional.test_operator_mistakes import UNKNOWN_NUMBER


def _export(app, *args: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["--lang", lang, "export", *args])


@pytest.fixture
def two_versions(issuance: Issuance) -> tuple[str, str, str]:
    """A certificate corrected once: its number and the SHA-256 of versions 1 and 2."""
    first = issue_decision(issuance, factories.decision())
    second = correct(issuance, first.number, {"employer": "重庆市大足区中医院"}, reason="单位名称有误")
    assert isinstance(second, Changed) and second.sha256
    return first.number, first.sha256, second.sha256


def test_exports_the_latest_version_by_default_and_any_version_on_request(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, two_versions: tuple[str, str, str], tmp_path: Path
) -> None:
    number, v1_sha256, v2_sha256 = two_versions

    latest = _export(app, number, "--out", str(tmp_path / "latest.pdf"))
    assert latest.exit_code == 0, latest.output
    assert latest.output == f"{number} v2 (Valid) exported to {tmp_path / 'latest.pdf'}\n"
    assert (tmp_path / "latest.pdf").read_bytes() == issuance.store.get(v2_sha256)

    older = _export(
        app, number.lower().replace("-", ""), "--version", "1", "--out", str(tmp_path / "v1.pdf"), lang="zh"
    )
    assert older.exit_code == 0, older.output
    assert older.output == f"{number} 第 1 版（已更正）已导出到 {tmp_path / 'v1.pdf'}\n"
    assert (tmp_path / "v1.pdf").read_bytes() == issuance.store.get(v1_sha256)


@pytest.mark.postgres_sample(
    3
)  # the first three are the queries: unknown number, unknown number and version, unknown version
@pytest.mark.parametrize(
    ("args", "lang", "message"),
    [
        ([UNKNOWN_NUMBER], "en", f"no issued certificate with number {UNKNOWN_NUMBER}"),
        ([UNKNOWN_NUMBER, "--version", "1"], "zh", f"没有编号为 {UNKNOWN_NUMBER} 的已签发证书"),
        (["{number}", "--version", "3"], "en", "certificate {number} has no version 3 (the latest is version 2)"),
        (["{number}", "--version", "3"], "zh", "证书 {number} 没有第 3 版（最新为第 2 版）"),
        (["ZC500111-2026-000001-Q"], "en", "check character does not match"),
    ],
)
def test_unknown_number_or_version_is_refused(  # type: ignore[no-untyped-def]
    app, two_versions: tuple[str, str, str], tmp_path: Path, args: list[str], lang: str, message: str
) -> None:
    number = two_versions[0]
    out = tmp_path / "x.pdf"

    result = _export(app, *[arg.format(number=number) for arg in args], "--out", str(out), lang=lang)

    assert result.exit_code == 1
    assert message.format(number=number) in result.output.strip()
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_a_missing_pdf_is_named_by_number_and_version(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, two_versions: tuple[str, str, str], tmp_path: Path
) -> None:
    number, v1_sha256, _ = two_versions
    (issuance.settings.blob_dir / v1_sha256[:2] / v1_sha256).unlink()
    out = tmp_path / "v1.pdf"

    result = _export(app, number, "--version", "1", "--out", str(out))

    assert result.exit_code == 1
    assert result.output == (
        f"the PDF of certificate {number} v1 is missing from the blob store (SHA-256 {v1_sha256}); "
        "restore it from a backup\n"
    )
    assert not out.exists()


def test_out_is_required(app, two_versions: tuple[str, str, str]) -> None:  # type: ignore[no-untyped-def]
    result = _export(app, two_versions[0])
    assert result.exit_code == 2 and "--out" in result.output


def test_a_version_still_being_issued_has_no_pdf_to_export(app, issuance: Issuance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Only a process killed between reserving and completing leaves a version pending (a
    # failure releases the reservation): reserve as such a process did.
    from issuer.services.issuance import _reserve

    _reserve(issuance, factories.decision(), None)
    with issuance.db.read() as session:
        number = session.scalars(select(Certificate.number)).one()

    by_version = _export(app, number, "--version", "1", "--out", str(tmp_path / "x.pdf"))
    assert by_version.exit_code == 1
    assert by_version.output == f"certificate {number} v1 is still being issued: it has no signed PDF yet\n"
    latest = _export(app, number, "--out", str(tmp_path / "x.pdf"))  # no signed version at all
    assert latest.exit_code == 1 and latest.output == f"no issued certificate with number {number}\n"
    assert not (tmp_path / "x.pdf").exists()
