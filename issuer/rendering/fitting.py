"""Does a field's value fit its place on the page, and how: one rule for the renderer and
for the validation of a decisions file, so that a row that passes validation renders.

A value is set on one line at 12.5 pt, or smaller down to :data:`MIN_ONE_LINE_PT`; a
longer one wraps onto a second line at up to :data:`MAX_TWO_LINE_PT` and never below
:data:`MIN_PT` (9 pt, the smallest size read comfortably on paper). Anything longer does
not fit: the validator says so before a number is reserved. The two lines share the
row's height (they straddle the label's baseline), so any number of wrapped rows still
leaves the photo, the QR code and the seal where they are.

Widths are measured with the embedded fonts' advances (``measure(text, size)`` in mm).
The widest character of the fonts' Latin, Chinese and full-width sets is Latin W
(1.053 em; Chinese characters are 1 em), so at 9 pt a value line of 131 mm holds 39
of the widest and one beside the photo (91 mm) 27; the columns' maximum lengths
(``issuer.decisions.fields``) are twice that less two, room for the line-break rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from issuer.rendering.text import PT_PER_MM

Measure = Callable[[str, float], float]  # width in mm of text at a size in pt

# --- The field block (mm, top-left origin) ------------------------------------------------
LABEL_X = 27.0
LABEL_W = 21.0
VALUE_X = 53.0
RIGHT_X = 185.0
ROW0_Y = 74.0  # baseline of the first field row
ROW_STEP = 10.2
ROWS_BESIDE_PHOTO = 4
PHOTO_X = 150.0  # left edge of the photo; the rows beside it end 5 mm before it
VALUE_W_FULL = RIGHT_X - VALUE_X - 1
VALUE_W_BESIDE_PHOTO = PHOTO_X - 5 - VALUE_X - 1
NOTE_W = RIGHT_X - LABEL_X  # a note across the field block (a converted certificate's provenance)

ONE_LINE_PT = 12.5
MIN_ONE_LINE_PT = 10.5
MAX_TWO_LINE_PT = 10.5
MIN_PT = 9.0
_STEP_PT = 0.5
LINE_PITCH = 1.2  # baseline to baseline, in ems, of a wrapped value

# A line does not start with closing punctuation nor end with opening punctuation (the
# common core of the Chinese line-breaking rules, GB/T 15834 usage).
_NO_LINE_START = frozenset("，。、；：？！）】》」』〉”’…—·,.;:?!)]}%")
_NO_LINE_END = frozenset("（【《「『〈“‘([{")


@dataclass(frozen=True)
class Setting:
    """How a value is printed: its size in pt and its one or two lines."""

    size: float
    lines: tuple[str, ...]

    def baselines(self, y: float) -> tuple[float, ...]:
        """The lines' baselines (mm) in the row whose label sits on baseline ``y``."""
        if len(self.lines) == 1:
            return (y,)
        pitch = LINE_PITCH * self.size / PT_PER_MM
        first = y - pitch * 0.45  # low enough that row 5's first line clears the photo
        return (first, first + pitch)

    def rule_y(self, y: float) -> float:
        """Where the row's underline goes: under the last line."""
        return self.baselines(y)[-1] + 2.0 if len(self.lines) == 1 else self.baselines(y)[-1] + 0.9


def value_width(index: int) -> float:
    """The width (mm) of the value of body row ``index`` (the first rows are beside the photo)."""
    return VALUE_W_BESIDE_PHOTO if index < ROWS_BESIDE_PHOTO else VALUE_W_FULL


def set_value(text: str, width: float, measure: Measure) -> Setting | None:
    """The largest legible setting of ``text`` in ``width`` mm, or None if it cannot fit."""
    size = ONE_LINE_PT
    if measure(text, size) <= width:
        return Setting(size, (text,))
    fitted = int(size * width / measure(text, size) * 10) / 10
    if fitted >= MIN_ONE_LINE_PT:
        return Setting(fitted, (text,))
    advances = [measure(ch, 1.0) for ch in text]
    size = MAX_TWO_LINE_PT
    while size >= MIN_PT - 1e-9:
        lines = wrap_two(text, [a * size for a in advances], width)
        if lines is not None:
            return Setting(size, lines)
        size -= _STEP_PT
    return None


def wrap_two(text: str, widths: Sequence[float], width: float) -> tuple[str, str] | None:
    """``text`` broken into two lines of at most ``width`` (``widths``: each character's),
    or None when two lines are not enough."""
    k, used = 0, 0.0
    while k < len(text) and used + widths[k] <= width:
        used += widths[k]
        k += 1
    if k >= len(text):
        return None  # fits on one line: the caller does not ask then
    k = _break_before(text, k)
    first, second = text[:k].rstrip(), text[k:].lstrip()
    if not first or not second or sum(widths[len(text) - len(second) :]) > width:
        return None
    return first, second


def _break_before(text: str, k: int) -> int:
    """Move a break before ``text[k]`` back so that no rule is broken, if it can move."""
    # Latin words are not split while a space earlier in the line lets them stay whole.
    if _word_char(text[k - 1]) and _word_char(text[k]):
        space = text.rfind(" ", 0, k)
        if space > k // 2:
            return space + 1
    moved = k
    while moved > 1 and (text[moved] in _NO_LINE_START or text[moved - 1] in _NO_LINE_END):
        moved -= 1
    return moved if moved > k // 2 else k


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def set_fields(fields: Sequence[tuple[str, str]], measure: Measure) -> list[tuple[str, Setting | None]]:
    """(label, setting) of each body row in page order; None where the value does not fit."""
    return [(label, set_value(value, value_width(i), measure)) for i, (label, value) in enumerate(fields)]


def set_note(clauses: Sequence[str], width: float, measure: Measure) -> Setting | None:
    """A note made of ``clauses`` (a converted certificate's provenance) in ``width`` mm: one
    line at 10.5 pt down to :data:`MIN_PT`, else two lines broken between two clauses (the
    later break first: the second line stays the shorter), then anywhere the line-break
    rules allow; None when even that does not fit."""
    text = "".join(clauses)
    size = MAX_TWO_LINE_PT
    if measure(text, size) <= width:
        return Setting(size, (text,))
    fitted = int(size * width / measure(text, size) * 10) / 10
    if fitted >= MIN_PT:
        return Setting(fitted, (text,))
    sizes = [MAX_TWO_LINE_PT - i * _STEP_PT for i in range(int((MAX_TWO_LINE_PT - MIN_PT) / _STEP_PT) + 1)]
    for size in sizes:
        for k in range(len(clauses) - 1, 0, -1):
            first, second = "".join(clauses[:k]), "".join(clauses[k:])
            if measure(first, size) <= width and measure(second, size) <= width:
                return Setting(size, (first, second))
    advances = [measure(ch, 1.0) for ch in text]
    for size in sizes:
        lines = wrap_two(text, [a * size for a in advances], width)
        if lines is not None:
            return Setting(size, lines)
    return None
