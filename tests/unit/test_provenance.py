"""The pure parts of a converted certificate's provenance: the note's setting on the page,
the paper number's folding, and the public view of a stored provenance."""

from __future__ import annotations

from datetime import date

import pytest

from ecert.vocab.paper_numbers import normalise_paper_number
from issuer.decisions import Provenance
from issuer.rendering.fitting import MAX_TWO_LINE_PT, MIN_PT, set_note
from issuer.rendering.layout import PaperOrigin, provenance_clauses
from verifier.lookup import PublicProvenance, provenance_of
from verifier.paper import paper_number_forms


def em(text: str, size: float) -> float:
    """A measure where every character is one em (mm at ``size`` pt)."""
    return len(text) * size * 25.4 / 72


CLAUSES = provenance_clauses(PaperOrigin("渝卫高字第0012号", "重庆市大足区人事档案管理中心", date(2026, 11, 10)))


def test_the_clauses_read_as_the_issue_words_them() -> None:
    assert (
        "".join(CLAUSES)
        == "由纸质证书转换，原证书编号渝卫高字第0012号，档案材料经重庆市大足区人事档案管理中心于2026年11月10日核验"
    )


def test_a_short_note_is_one_line_at_the_largest_size() -> None:
    setting = set_note(("甲，", "乙，", "丙"), 158.0, em)
    assert setting is not None and setting.lines == ("甲，乙，丙",) and setting.size == MAX_TWO_LINE_PT


def test_a_long_note_breaks_between_clauses_the_later_break_first() -> None:
    setting = set_note(CLAUSES, 158.0, em)
    assert setting is not None and len(setting.lines) == 2 and setting.size >= MIN_PT
    assert setting.lines == (CLAUSES[0] + CLAUSES[1], CLAUSES[2])
    assert "".join(setting.lines) == "".join(CLAUSES)


def test_a_clause_too_long_for_a_line_wraps_anywhere_and_too_much_does_not_fit() -> None:
    long_office = "档" * 60
    setting = set_note(("由纸质证书转换，", "原证书编号1，", f"档案材料经{long_office}于某日核验"), 158.0, em)
    assert setting is not None and len(setting.lines) == 2
    assert set_note(("由纸质证书转换，", "原证书编号1，", "档" * 120), 158.0, em) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("渝卫高字第0012号", "渝卫高字第0012号"),
        (" 渝卫高字第００１２号 ", "渝卫高字第0012号"),
        ("ｚｃ 2003－12", "ZC2003-12"),
        ("abc\u3000123", "ABC123"),
        ("", ""),
        ("12\x003", ""),
    ],
)
def test_paper_numbers_are_folded_as_stored(typed: str, stored: str) -> None:
    assert normalise_paper_number(typed) == stored


def test_the_forms_looked_for_include_the_typed_one_and_refuse_nonsense() -> None:
    assert paper_number_forms(" 渝卫高字第００１２号 ") == ["渝卫高字第0012号", "渝卫高字第００１２号"]
    assert paper_number_forms("  ") == [] and paper_number_forms("1" * 65) == [] and paper_number_forms("a\nb") == []


def test_the_public_provenance_has_no_application_id() -> None:
    stored = Provenance("渝卫高字第0012号", "档案中心", date(2026, 11, 10), 7).as_json()
    assert provenance_of(stored) == PublicProvenance("渝卫高字第0012号", "档案中心", date(2026, 11, 10))
    assert Provenance.from_json(stored) == Provenance("渝卫高字第0012号", "档案中心", date(2026, 11, 10), 7)
    assert provenance_of(None) is None and provenance_of({}) is None and Provenance.from_json(None) is None
    assert provenance_of({"paper_number": "1", "verified_on": "not a date"}) is None
