"""The one rule for names: NFC, trimmed, one space between words, one middle dot
(what is refused: tests/unit/test_name_normalisation.py)."""

from __future__ import annotations

import unicodedata

import pytest

from ecert.vocab.names import NAME_DOT, NAME_DOTS, normalise_name


@pytest.mark.parametrize("dot", NAME_DOTS)
def test_every_listed_dot_becomes_the_middle_dot(dot: str) -> None:
    assert normalise_name(f"阿依古丽{dot}买买提") == f"阿依古丽{NAME_DOT}买买提"


def test_nfc_and_white_space() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë")
    assert decomposed != "Zoë" and normalise_name(decomposed) == "Zoë"
    assert normalise_name(" \t王小明\u3000\n") == "王小明"
    assert normalise_name(" Mary   Ann ") == "Mary Ann"
    assert normalise_name("𡒄𪚥") == "𡒄𪚥"  # characters beyond the BMP are left alone


def test_dots_are_distinct_and_not_the_canonical_one() -> None:
    assert len(set(NAME_DOTS)) == len(NAME_DOTS) and NAME_DOT not in NAME_DOTS
