"""The one rule for text that may end up in a spreadsheet or on a terminal.

- ``control_characters``: C0 controls (tab and line breaks too), DEL, C1 controls and the
  bidirectional controls. None belongs in a field of a decision; on a terminal they ring,
  move the cursor, change colours or reorder what the line shows.
- ``formula_prefix``: the first character when a spreadsheet would read the value as a
  formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return; also their full-width forms,
  which CJK input methods type and some spreadsheets convert).
- ``neutralise_cell``: a value as written into a CSV or XLSX the service produces: a value a
  spreadsheet would run as a formula gets a leading ``'``, which every spreadsheet shows as
  "text" and does not display.
- ``code_points``: characters as ``U+0007`` for messages, so that no message echoes a
  control or invisible character raw.
"""

from __future__ import annotations

from collections.abc import Iterable

# Bidirectional embeddings, overrides, isolates and marks: they reorder displayed text.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FORMULA_PREFIXES = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in BIDI_CONTROLS


def control_characters(text: str) -> tuple[str, ...]:
    """The control characters of ``text``, each once, in order of appearance."""
    return tuple(dict.fromkeys(char for char in text if is_control(char)))


def formula_prefix(text: str) -> str | None:
    """The character that makes ``text`` a formula to a spreadsheet, or None."""
    return text[0] if text and text[0] in FORMULA_PREFIXES else None


def neutralise_cell(value: str) -> str:
    """``value`` safe as a spreadsheet cell: formulas become text, anything else is unchanged."""
    return "'" + value if formula_prefix(value) else value


def code_points(chars: Iterable[str]) -> str:
    """``U+0007, U+202E``: characters named by code point, never shown raw."""
    return ", ".join(f"U+{ord(char):04X}" for char in dict.fromkeys(chars))
