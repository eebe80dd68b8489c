"""The review's pure pieces: the retention setting, the evidence's download name, the
claim set beside the roster."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecert import ConfigurationError
from ecert.models import RosterEntry
from ecert.settings import Settings
from legacy_import.review import compare
from legacy_import.review_views import safe_filename, shown_name


def test_the_retention_period_is_a_setting(tmp_path: Path) -> None:
    assert Settings.from_env({"ECERT_HOME": str(tmp_path)}).legacy_evidence_retention_days == 365
    env = {"ECERT_HOME": str(tmp_path), "ECERT_LEGACY_EVIDENCE_RETENTION_DAYS": "30"}
    assert Settings.from_env(env).legacy_evidence_retention_days == 30
    with pytest.raises(ConfigurationError):
        Settings.from_env({**env, "ECERT_LEGACY_EVIDENCE_RETENTION_DAYS": "a year"})


@pytest.mark.parametrize(
    ("original", "extension", "saved"),
    [
        ("证书扫描.jpg", "jpg", "证书扫描.jpg"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\wang\\评审表.PDF", "pdf", "评审表.pdf"),
        ("scan.pdf.exe", "pdf", "scan.pdf.pdf"),
        ("x\u202egpj.exe", "png", "xgpj.png"),
        ('a"b;c<d>|e?.png', "png", "a_b_c_d__e_.png"),
        ("...", "tif", "evidence.tif"),
        ("", "pdf", "evidence.pdf"),
        ("长" * 300 + ".jpg", "jpg", "长" * 80 + ".jpg"),
    ],
)
def test_the_download_name_is_harmless_and_says_what_the_file_is(original: str, extension: str, saved: str) -> None:
    assert safe_filename(original, extension) == saved


def test_the_shown_name_drops_controls_and_direction_overrides() -> None:
    assert shown_name("证书\u202egpj.exe\x07") == "证书gpj.exe"


def test_the_claim_beside_the_roster_marks_only_real_differences() -> None:
    roster = RosterEntry(
        name="王丽",
        qualification="主治医师",
        doc_no="渝卫职改(2003)12号",
        approval_date=date(2003, 7, 1),
        paper_number=None,
    )
    claim = {
        "name": "王莉",
        "qualification": "主治医师",
        "doc_no": "渝卫职改〔2003〕12号",
        "approval_date": "2003-07-01",
        "paper_number": "P1",
    }
    rows = {row.field: row for row in compare(claim, roster)}
    assert rows["name"].differs and rows["name"].roster == "王丽"
    assert not rows["doc_no"].differs  # only the brackets differ
    assert not rows["approval_date"].differs and rows["approval_date"].roster == "2003-07-01"
    assert not rows["paper_number"].differs and rows["paper_number"].roster == ""  # the roster says nothing
    assert all(row.roster is None and not row.differs for row in compare(claim, None))
