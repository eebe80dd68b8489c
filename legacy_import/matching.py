"""Which archive roster row a claim is, and how the two differ (pure).

The database side (``legacy_import.checking``) gathers candidates by the applicant's ID
number (also in its 15-digit form), by the claimed paper number and by the claimed 文号;
here each candidate is compared field by field:

- the ID number: the same, the roster's 15-digit original upgraded to this one
  (``upgraded``), missing from the roster (``absent``), or another person's (``differs``);
- the name: the same after ``normalise_name``, a homophone (王莉/王丽: every character
  has a reading in common, by pypinyin with heteronyms, toneless), or different;
- qualification, 文号 (normalised brackets), paper number (normalised case and width), and
  the approval date, compared to the month where the roster only knows the month
  (``2003年7月``).

A candidate *is the applicant's row* when its ID number is the applicant's (or upgrades to
it), or, for a roster without ID numbers, when the name is the same or a homophone and the
paper number or the 文号 agree. The best such row is the one with the fewest differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Final

from pypinyin import Style, pinyin

from ecert.vocab.idnumber import normalise_id_number, upgrade_15_to_18
from ecert.vocab.names import normalise_name
from ecert.vocab.titles import normalise_doc_no

SAME, UPGRADED, HOMOPHONE, ABSENT, DIFFERS = "same", "upgraded", "homophone", "absent", "differs"
SAME_MONTH = "same_month"  # the roster has the month only, and it agrees
# The fields compared, in the order findings name them.
COMPARED: Final = ("id_number", "name", "qualification", "approval_date", "doc_no", "paper_number")

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


@dataclass(frozen=True)
class RosterRow:
    """What the match reads of a ``RosterEntry`` (``from_entry``): plain data for tests."""

    id: int
    name: str
    qualification: str
    id_number: str | None = None
    id_number_original: str | None = None
    series: str | None = None
    level: str | None = None
    approval_date: date | None = None
    approval_date_precision: str | None = None  # day | month
    approval_date_text: str | None = None
    doc_no: str | None = None
    paper_number: str | None = None
    approving_body: str | None = None
    source_label: str = ""
    source_row: int = 0

    @classmethod
    def from_entry(cls, entry: Any) -> RosterRow:
        return cls(**{name: getattr(entry, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ClaimFacts:
    """The claim as the match reads it; ``approval_date`` parsed (``checks.parse_date``)."""

    id_number: str
    name: str
    qualification: str = ""
    approval_date: date | None = None
    approval_date_precision: str | None = None
    doc_no: str = ""
    paper_number: str = ""


@dataclass(frozen=True)
class Comparison:
    row: RosterRow
    fields: dict[str, str]  # field → SAME | UPGRADED | HOMOPHONE | SAME_MONTH | ABSENT | DIFFERS

    @property
    def is_applicants(self) -> bool:
        identity = self.fields["id_number"]
        if identity in (SAME, UPGRADED):
            return True
        if identity == ABSENT and self.fields["name"] in (SAME, HOMOPHONE):
            return self.fields["paper_number"] == SAME or self.fields["doc_no"] == SAME
        return False

    @property
    def differing(self) -> tuple[str, ...]:
        """Fields whose values disagree (a homophone name is a difference of its own kind)."""
        return tuple(name for name in COMPARED if self.fields[name] in (DIFFERS, HOMOPHONE))

    @property
    def exact(self) -> bool:
        return all(self.fields[name] in (SAME, ABSENT) for name in COMPARED) and self.fields["id_number"] == SAME

    def rank(self) -> tuple[int, int, int, int]:
        """Smaller is better: the applicant's rows first, those known by the ID number
        before those known by name and number, then the fewest differences, then the most
        fields confirmed."""
        confirmed = sum(self.fields[name] in (SAME, UPGRADED, SAME_MONTH) for name in COMPARED)
        by_number = self.fields["id_number"] in (SAME, UPGRADED)
        return (0 if self.is_applicants else 1, 0 if by_number else 1, len(self.differing), -confirmed)


def compare(claim: ClaimFacts, row: RosterRow) -> Comparison:
    return Comparison(
        row,
        {
            "id_number": _compare_id(claim.id_number, row),
            "name": compare_names(claim.name, row.name),
            "qualification": _compare_text(claim.qualification.strip(), (row.qualification or "").strip()),
            "approval_date": _compare_dates(claim, row),
            "doc_no": _compare_text(normalise_doc_no(claim.doc_no), normalise_doc_no(row.doc_no or "")),
            "paper_number": _compare_text(
                normalise_paper_number(claim.paper_number), normalise_paper_number(row.paper_number or "")
            ),
        },
    )


def best_match(claim: ClaimFacts, rows: list[RosterRow]) -> tuple[Comparison | None, list[Comparison]]:
    """The applicant's best row (None when no candidate is the applicant's) and every
    comparison, best first."""
    comparisons = sorted((compare(claim, row) for row in rows), key=lambda c: (c.rank(), c.row.id))
    best = comparisons[0] if comparisons and comparisons[0].is_applicants else None
    return best, comparisons


def normalise_paper_number(text: str) -> str:
    """``ｇｃ 2003-0125`` and ``GC20030125`` are the same paper number: full width, case,
    spaces and dashes do not count."""
    folded = text.translate(_FULL_WIDTH).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def compare_names(claimed: str, roster: str) -> str:
    a, b = normalise_name(claimed), normalise_name(roster)
    if not a or not b:
        return ABSENT
    if a == b:
        return SAME
    if is_homophone(a, b):
        return HOMOPHONE
    return DIFFERS


def is_homophone(a: str, b: str) -> bool:
    """Same length, and every pair of characters shares a toneless reading (王莉/王丽,
    张晓明/张小明); the same name is not a homophone of itself."""
    if a == b or len(a) != len(b):
        return False
    return all(x == y or readings(x) & readings(y) for x, y in zip(a, b, strict=True))


@cache
def readings(character: str) -> frozenset[str]:
    """A character's toneless readings (all of a 多音字's: 曾 zeng, ceng); a character
    pypinyin does not know reads as itself."""
    found = pinyin(character, style=Style.NORMAL, heteronym=True, errors="default")
    return frozenset(found[0]) if found else frozenset({character})


def _compare_id(claimed: str, row: RosterRow) -> str:
    number = normalise_id_number(claimed)
    roster = normalise_id_number(row.id_number or "")
    original = normalise_id_number(row.id_number_original or "")
    if not roster and not original:
        return ABSENT
    if len(original) == 15 and original.isdigit() and _upgraded(original) == number:
        return UPGRADED
    if roster == number:
        return SAME
    if len(roster) == 15 and roster.isdigit() and _upgraded(roster) == number:
        return UPGRADED
    return DIFFERS


def _upgraded(old: str) -> str | None:
    try:
        return upgrade_15_to_18(old)
    except ValueError:
        return None


def _compare_text(claimed: str, roster: str) -> str:
    if not claimed or not roster:
        return ABSENT
    return SAME if claimed == roster else DIFFERS


def _compare_dates(claim: ClaimFacts, row: RosterRow) -> str:
    if claim.approval_date is None or row.approval_date is None:
        return ABSENT
    if "month" in (claim.approval_date_precision, row.approval_date_precision):
        if (claim.approval_date.year, claim.approval_date.month) != (row.approval_date.year, row.approval_date.month):
            return DIFFERS
        return SAME_MONTH
    return SAME if claim.approval_date == row.approval_date else DIFFERS
