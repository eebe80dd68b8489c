"""One name rule for every path: what is folded (NFC, compatibility ideographs, middle dots)
and what is refused (white space, invisible and control characters, mixed scripts)."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from ecert.vocab.cells import BIDI_CONTROLS
from ecert.vocab.names import COMPATIBILITY_IDEOGRAPHS, NAME_DOT, NAME_DOTS, check_name, name_problem, normalise_name
from ecert.vocab.titles import HAN

_HAN = re.compile(f"[{HAN}]")


def _assigned(low: int, high: int) -> list[str]:
    return [chr(code) for code in range(low, high + 1) if unicodedata.category(chr(code)) != "Cn"]


# Every assigned code point of the compatibility blocks that stands for a unified ideograph.
COMPATIBILITY = [
    char
    for low, high in COMPATIBILITY_IDEOGRAPHS
    for char in _assigned(low, high)
    if _HAN.fullmatch(unicodedata.normalize("NFKC", char)) and unicodedata.normalize("NFKC", char) != char
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
# Every white space but the ASCII space: Zs, line and paragraph separators, and the
# controls Python counts as white space (tab, line feed, …).
WHITE_SPACE = sorted(
    (
        {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
        | {chr(code) for code in range(0x3001) if unicodedata.category(chr(code)) in ("Zs", "Zl", "Zp")}
    )
    - {" "}
)
# Look-alikes of Latin letters in other scripts, as homoglyph attacks and mistyped
# keyboard layouts produce them.
LOOK_ALIKES = {
    "a": ["\u0430", "\u03b1"],  # CYRILLIC а, GREEK α
    "e": ["\u0435", "\u03b5"],
    "o": ["\u043e", "\u03bf"],
    "n": ["\u043f", "\u03b7"],
    "A": ["\u0410", "\u0391"],
    "M": ["\u041c", "\u039c"],
}
LATIN_NAMES = ["Anna", "Mary Ann", "Zoë Moreno", "Tom·Lee"]


def _substitutions() -> list[tuple[str, str]]:
    cases = []
    for name in LATIN_NAMES:
        for position, char in enumerate(name):
            for other in LOOK_ALIKES.get(char, []):
                cases.append((name, name[:position] + other + name[position + 1 :]))
    return cases


SUBSTITUTIONS = _substitutions()


def test_the_blocks_hold_what_they_should() -> None:
    assert len(COMPATIBILITY) > 1000  # F900–FAFF, 2F800–2FA1F and the radicals


@pytest.mark.parametrize("char", COMPATIBILITY, ids=[f"U+{ord(c):04X}" for c in COMPATIBILITY])
def test_every_compatibility_ideograph_becomes_the_unified_one(char: str) -> None:
    unified = unicodedata.normalize("NFKC", char)
    assert normalise_name(f"张{char}") == f"张{unified}"
    assert normalise_name(f"张{char}") == normalise_name(f"张{unified}")
    assert check_name(normalise_name(f"张{char}")) is None


def test_nfkc_is_used_for_those_code_points_only() -> None:
    # Full-width letters, ligatures and superscripts outside the blocks are not folded.
    for kept in ("Ｍａｒｙ", "ﬁona", "Zoë²"):
        assert normalise_name(kept) == unicodedata.normalize("NFC", kept)


@pytest.mark.parametrize("dot", [NAME_DOT, *NAME_DOTS], ids=lambda d: f"U+{ord(d):04X}")
@pytest.mark.parametrize("name", ["阿依古丽{}买买提", "Tom{}Lee", "𡒄{}𪚥"])
def test_every_middle_dot_is_folded_and_accepted(dot: str, name: str) -> None:
    folded = normalise_name(name.format(dot))
    assert folded == name.format(NAME_DOT)
    assert check_name(folded) is None


@pytest.mark.parametrize("space", WHITE_SPACE, ids=lambda s: f"U+{ord(s):04X}")
@pytest.mark.parametrize("name", ["王{}小明", "阿依古丽·{}买买提", "Mary{}Ann"])
def test_white_space_inside_a_name_is_refused_by_code_point(space: str, name: str) -> None:
    problem = name_problem(name.format(space))
    assert problem is not None
    assert problem.code in ("name.whitespace", "text.control")
    # Named as compared: NFC makes EN QUAD and EM QUAD the EN and EM SPACE.
    assert problem.params["chars"] == f"U+{ord(unicodedata.normalize('NFC', space)):04X}"


@pytest.mark.parametrize("name", ["王 小明", "欧阳  娜娜", "Mary 张"])
def test_an_ascii_space_inside_a_chinese_name_is_refused(name: str) -> None:
    problem = name_problem(name)
    assert problem is not None and problem.code == "name.whitespace" and problem.params["chars"] == "U+0020"


@pytest.mark.parametrize("name", [" 王小明 ", "\t王小明\u3000", "\u200b王小明\ufeff", "Mary   Ann ", " Zoë\n"])
def test_white_space_around_a_name_is_trimmed_and_ascii_runs_between_words_made_one(name: str) -> None:
    assert check_name(normalise_name(name)) is None
    assert "  " not in normalise_name(name) and normalise_name(name) == normalise_name(name).strip()


@pytest.mark.parametrize("char", ZERO_WIDTH, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("name", ["王{}小明", "Ma{}ry"])
def test_invisible_characters_are_refused_by_code_point(char: str, name: str) -> None:
    problem = name_problem(name.format(char))
    assert problem is not None and problem.code == "name.invisible"
    assert problem.params["chars"] == f"U+{ord(char):04X}"


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS), ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("name", ["{}王小明", "王{}小明", "Ma{}ry"])
def test_bidirectional_controls_are_refused_by_code_point(char: str, name: str) -> None:
    problem = name_problem(name.format(char))
    assert problem is not None and problem.code == "text.control"
    assert problem.params["chars"] == f"U+{ord(char):04X}"


@pytest.mark.parametrize(("good", "bad"), SUBSTITUTIONS, ids=[repr(bad) for _, bad in SUBSTITUTIONS])
def test_a_look_alike_of_another_script_inside_a_latin_word_is_refused(good: str, bad: str) -> None:
    assert check_name(normalise_name(good)) is None
    problem = name_problem(bad)
    assert problem is not None and problem.code == "name.mixed_scripts"
    odd = next(char for char in bad if char not in good)
    assert f"U+{ord(odd):04X} {unicodedata.name(odd)}" in str(problem.params["chars"])


@pytest.mark.parametrize("name", ["Анна Smith", "Αλέξης·Brown", "Иван", "Zoë", "李Anna"])
def test_words_of_one_script_each_are_accepted(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("code", [*range(0x20), 0x7F, *range(0x80, 0xA0)], ids=lambda c: f"U+{c:04X}")
def test_control_characters_inside_a_name_are_refused_and_named_by_code_point(code: str) -> None:
    problem = name_problem(f"王{chr(code)}小明")
    assert problem is not None and problem.code in ("text.control", "name.whitespace")
    assert problem.params["chars"] == f"U+{code:04X}"
