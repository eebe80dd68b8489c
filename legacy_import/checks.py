"""The automatic checks of a conversion application: pure rules over plain data.

Each rule returns a list of ``Finding`` (code, severity, params; words in
``legacy_import.finding_words``); an empty list means the rule saw nothing worth saying.
Severities: HIGH — likely not genuine or not convertible as claimed (another applicant's
scan, an ID number that is not the account's, a certificate that already exists);
MEDIUM — staff must resolve it before approving (a field differs from the roster, no
roster row, a 文号 of the wrong shape); LOW — worth a look (a homophone name, OCR not
finding a value); INFO — what was confirmed. ``legacy_import.checking`` gathers the data
from the database and runs them all; the OCR hint is in ``legacy_import.ocr_hints``.

Params never carry an ID number (they are stored with the application and shown in the
console; the number is on the page already): names, titles, dates and 文号 are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ecert.vocab import titles
from ecert.vocab.idnumber import birth_date, check_id_number, normalise_id_number
from ecert.vocab.problem import Problem
from legacy_import.claim import missing_evidence
from legacy_import.findings import HIGH, INFO, LOW, MEDIUM, Finding
from legacy_import.matching import (
    DIFFERS,
    HOMOPHONE,
    SAME,
    SAME_MONTH,
    UPGRADED,
    ClaimFacts,
    RosterRow,
    best_match,
    normalise_paper_number,
)

# The OCR hint rule lives in ocr_hints; re-exported so that every rule is reachable from here.
from legacy_import.ocr_hints import OCR_FIELDS, check_ocr, ocr_normal  # noqa: F401
from legacy_import.roster_dates import parse_roster_date

ELECTRONIC_SINCE = date(2021, 1, 1)
MIN_AGE, MAX_AGE = 18, 70
# Hamming distance (bits) of two 64-bit perceptual hashes (imagehash.phash) at or under
# which two images are the same picture, measured (tests/integration/test_legacy_ocr.py) on a
# rendered A4 form: re-saved at half size 0, as JPEG quality 40 0, cropped by 2 % 8, rotated
# by 1° 6, a third the size + JPEG + 1 % cropped 4; an unrelated picture 30-38. The same
# printed form filled for someone else is 2: the hash sees the layout (see _likeness).
# Hashes of other lengths scale it.
NEAR_DUPLICATE_BITS = 10


def near_duplicate_threshold(bits: int) -> int:
    return round(NEAR_DUPLICATE_BITS * bits / 64)


# --- ID number -------------------------------------------------------------------------


def check_id_number_rule(id_number: str, account_login: str | None, *, today: date) -> list[Finding]:
    """The application's ID number is a valid 18-character number, and the account's."""
    findings = []
    problem = check_id_number(id_number, today)
    if problem is not None:
        findings.append(Finding("id_number.invalid", HIGH, {"problem": problem.code}))
    if account_login is None or normalise_id_number(account_login) != normalise_id_number(id_number):
        findings.append(Finding("id_number.not_account", HIGH))
    return findings


# --- dates ---------------------------------------------------------------------------------


def parse_date(text: str) -> tuple[date, str] | None:
    """(date, "day" or "month") of a claimed date, read as the rosters' dates are
    (``legacy_import.roster_dates``: ``2003-07-01``, ``2003.7.1``, ``2003年7月1日``,
    ``20030701``, ``二〇〇三年七月一日``; ``2003年7月`` is the 1st, "month"); None when it is
    no date, or none a title was granted on (before 1949-10-01)."""
    parsed = parse_roster_date(text, today=date.max, serials=False)
    if isinstance(parsed, Problem):
        return None
    return parsed[0], parsed[1]


def check_approval_date(text: str) -> list[Finding]:
    """Before 2021-01-01: from 2021 certificates are electronic, there is no paper to convert."""
    if not text.strip():
        return [Finding("approval_date.absent", INFO)]
    parsed = parse_date(text)
    if parsed is None:
        return [Finding("approval_date.unreadable", MEDIUM, {"value": text.strip()})]
    when, precision = parsed
    if when >= ELECTRONIC_SINCE:
        return [Finding("approval_date.electronic_era", HIGH, {"date": when.isoformat()})]
    if precision == "month":
        # The certificate prints a day: staff complete it from the archive before approving.
        return [Finding("approval_date.month_only", MEDIUM, {"value": text.strip()})]
    return []


def check_age(id_number: str, approval_date: str) -> list[Finding]:
    """The age at approval, from the ID number's birth date: under 18 or over 70 is unlikely."""
    parsed = parse_date(approval_date)
    try:
        born = birth_date(id_number)
    except ValueError:
        return []  # the ID number rule says what is wrong with it
    if parsed is None:
        return []
    when = parsed[0]
    age = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    if age < MIN_AGE:
        return [Finding("age.too_young", HIGH, {"age": age, "minimum": MIN_AGE})]
    if age > MAX_AGE:
        return [Finding("age.too_old", MEDIUM, {"age": age, "maximum": MAX_AGE})]
    return []


# --- 文号 ------------------------------------------------------------------------------------

_DOC_YEAR = re.compile(r"〔(\d{4})〕")


def check_doc_no(text: str, approval_date: str) -> list[Finding]:
    """The 文号's shape (``titles.check_doc_no``), and its year against the approval date's.

    A 文号 of the approval's year or of the year after is consistent: committees sit late
    in the year and the office's document naming them often comes out in the next one,
    while the title counts from the committee's date. Any other year is a finding.
    """
    if not text.strip():
        return [Finding("doc_no.absent", INFO)]
    problem = titles.check_doc_no(text)
    doc_no = titles.normalise_doc_no(text)
    if problem is not None:
        return [Finding("doc_no.format", MEDIUM, {"doc_no": doc_no, "example": titles.DOC_NO_EXAMPLE})]
    parsed = parse_date(approval_date)
    match = _DOC_YEAR.search(doc_no)
    if parsed is None or match is None:
        return []
    year, approved = int(match[1]), parsed[0].year
    if year not in (approved, approved + 1):
        return [Finding("doc_no.year_mismatch", MEDIUM, {"doc_no": doc_no, "year": year, "approval_year": approved})]
    return []


# --- qualification ------------------------------------------------------------------------


def check_qualification(series: str, level: str, qualification: str) -> list[Finding]:
    """Qualification consistent with series and level, by ``ecert.vocab.titles``' tables;
    a series the tables do not list is said, not judged."""
    if not (series.strip() and level.strip() and qualification.strip()):
        return []
    problem = titles.check_qualification(series, level, qualification)
    if problem is not None:
        params = {key: list(value) if isinstance(value, tuple) else value for key, value in problem.params.items()}
        return [Finding(problem.code, MEDIUM, params)]
    if titles.normalise_series(series) not in titles.SERIES_QUALIFICATIONS:
        return [Finding("qualification.series_unlisted", INFO, {"series": titles.normalise_series(series)})]
    return []


# --- evidence ------------------------------------------------------------------------------


def check_evidence_present(case: str, kinds: Iterable[str]) -> list[Finding]:
    missing = missing_evidence(case, set(kinds))
    return [Finding("evidence.missing", HIGH, {"kinds": list(group)}) for group in missing]


@dataclass(frozen=True)
class EvidenceFacts:
    """One evidence file as the duplicate rule reads it."""

    id: int
    application_id: int
    kind: str
    sha256: str
    original_sha256: str
    image_hash: str | None = None
    id_number: str = ""  # the applicant's (of ``application_id``)
    deleted: bool = False
    ocr_text: str | None = None


def hash_distance(a: str, b: str) -> int | None:
    """Hamming distance of two imagehash hex strings; None when they cannot be compared."""
    if not a or not b or len(a) != len(b):
        return None
    try:  # imagehash's hex is the hash's bits, row by row: the XOR's bits are the distance
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None


def check_duplicates(own: Sequence[EvidenceFacts], others: Sequence[EvidenceFacts]) -> list[Finding]:
    """The same file (cleaned or as uploaded) or a near-duplicate image already used in
    another application: another applicant's (HIGH) or the same applicant's (LOW: a new
    attempt after a rejection, usually). One finding per own file and other application."""
    findings = []
    for mine in own:
        seen: set[int] = set()
        for other in sorted(others, key=lambda e: (e.application_id, e.id)):
            if other.application_id == mine.application_id or other.application_id in seen:
                continue
            how, distance = _likeness(mine, other)
            if how is None:
                continue
            seen.add(other.application_id)
            same_person = normalise_id_number(other.id_number) == normalise_id_number(mine.id_number)
            params = {"evidence_id": mine.id, "kind": mine.kind, "application_id": other.application_id, "how": how}
            if distance is not None:
                params["distance"] = distance
            if other.deleted:
                params["deleted"] = True
            if same_person:
                findings.append(Finding("evidence.duplicate_own", LOW, params))
            elif how == "same_layout":
                findings.append(Finding("evidence.same_layout", LOW, params))
            else:
                findings.append(Finding("evidence.duplicate_other", HIGH, params))
    return findings


_ID_LIKE = re.compile(r"\d{17}[\dX]|\d{15}")


def _ids_read(text: str | None) -> set[str]:
    return set(_ID_LIKE.findall(ocr_normal(text))) if text else set()


def _likeness(mine: EvidenceFacts, other: EvidenceFacts) -> tuple[str | None, int | None]:
    if {mine.sha256, mine.original_sha256} & {other.sha256, other.original_sha256}:
        return "same_file", None
    if other.deleted or mine.image_hash is None or other.image_hash is None:
        return None, None
    distance = hash_distance(mine.image_hash, other.image_hash)
    if distance is None or distance > near_duplicate_threshold(len(mine.image_hash) * 4):
        return None, None
    # A 64-bit hash sees a page's layout: two people's copies of the same printed form hash
    # as close as a re-saved scan (2 bits on the rendered 呈报表). Where OCR reads ID numbers
    # on both and they differ, say so (LOW): staff compare the previews (an edited scan of
    # someone else's form looks the same to both signals).
    mine_ids, other_ids = _ids_read(mine.ocr_text), _ids_read(other.ocr_text)
    if mine_ids and other_ids and not mine_ids & other_ids:
        return "same_layout", distance
    return "near_image", distance


# --- existing certificates ------------------------------------------------------------------


@dataclass(frozen=True)
class ExistingCertificate:
    """A decision already in the registry (with its latest certificate version)."""

    decision_id: int
    qualification: str
    paper_number: str | None
    number: str | None  # the latest certificate's number
    status: str | None  # its status (valid, revoked, superseded, pending)
    same_holder: bool  # the decision's holder has the applicant's ID number


def check_existing_certificates(claim: dict[str, str], existing: Sequence[ExistingCertificate]) -> list[Finding]:
    """An electronic certificate of the same title for this holder, or one already
    converted from the claimed paper number (anyone's), is HIGH: approving would issue it twice."""
    findings = []
    qualification = str(claim.get("qualification", "")).strip()
    paper = normalise_paper_number(str(claim.get("paper_number", "")))
    for decision in existing:
        params = {"number": decision.number or "", "status": decision.status or ""}
        if paper and decision.paper_number and normalise_paper_number(decision.paper_number) == paper:
            code = "certificate.paper_converted" if decision.same_holder else "certificate.paper_converted_other"
            findings.append(Finding(code, HIGH, params))
        elif decision.same_holder and qualification and decision.qualification.strip() == qualification:
            findings.append(Finding("certificate.exists", HIGH, {**params, "qualification": qualification}))
    return findings


# --- the archive roster ------------------------------------------------------------------------


def claim_facts(id_number: str, claim: dict[str, str]) -> ClaimFacts:
    parsed = parse_date(str(claim.get("approval_date", "")))
    return ClaimFacts(
        id_number=id_number,
        name=str(claim.get("name", "")),
        qualification=str(claim.get("qualification", "")),
        approval_date=parsed[0] if parsed else None,
        approval_date_precision=parsed[1] if parsed else None,
        doc_no=str(claim.get("doc_no", "")),
        paper_number=str(claim.get("paper_number", "")),
    )


def check_roster(facts: ClaimFacts, candidates: Sequence[RosterRow]) -> tuple[list[Finding], int | None]:
    """The claim against the archive roster: the findings and the best row's id.

    ``roster.exact`` (INFO) when every field both sides have agrees; otherwise one finding
    per difference (``roster.differs`` MEDIUM with both values, the name HIGH when it is
    not even a homophone, ``roster.homophone`` LOW), with ``roster.id_upgraded`` and
    ``roster.month_only`` as INFO. No row of the applicant's: ``roster.none`` (MEDIUM,
    never a refusal: many archives are not imported yet). The claimed paper number on a
    row of another name is ``roster.paper_number_other`` (HIGH); of the same name but another
    ID number ``roster.paper_number_other_id`` (MEDIUM: a typo on one side, or a namesake).
    """
    best, comparisons = best_match(facts, list(candidates))
    findings: list[Finding] = []
    for comparison in comparisons:
        if comparison.is_applicants or comparison.fields["paper_number"] != SAME:
            continue
        if comparison.fields["name"] == DIFFERS:
            findings.append(Finding("roster.paper_number_other", HIGH, _where(comparison.row)))
            break
        if comparison.fields["id_number"] == DIFFERS:  # the name agrees: a typo on one side?
            findings.append(Finding("roster.paper_number_other_id", MEDIUM, _where(comparison.row)))
            break
    if best is None:
        findings.append(Finding("roster.none", MEDIUM))
        return findings, None
    row, where = best.row, _where(best.row)
    if best.exact:
        findings.append(Finding("roster.exact", INFO, where))
    fields = best.fields
    if fields["id_number"] == UPGRADED:
        findings.append(Finding("roster.id_upgraded", INFO, where))
    if fields["name"] == HOMOPHONE:
        findings.append(Finding("roster.homophone", LOW, {**where, "claimed": facts.name, "roster": row.name}))
    elif fields["name"] == DIFFERS:
        findings.append(Finding("roster.name_differs", HIGH, {**where, "claimed": facts.name, "roster": row.name}))
    if fields["approval_date"] == SAME_MONTH:
        text = row.approval_date_text or (row.approval_date.isoformat()[:7] if row.approval_date else "")
        findings.append(Finding("roster.month_only", INFO, {**where, "roster": text}))
    for name in ("qualification", "approval_date", "doc_no", "paper_number"):
        if fields[name] == DIFFERS:
            claimed, roster = _values(name, facts, row)
            findings.append(
                Finding("roster.differs", MEDIUM, {**where, "field": name, "claimed": claimed, "roster": roster})
            )
    if not best.exact and not best.differing:
        # The applicant's row, nothing contradicts; some field is missing on one side, the
        # ID number was upgraded or the roster has the month only.
        findings.append(Finding("roster.agrees", INFO, where))
    return findings, row.id


def _where(row: RosterRow) -> dict[str, object]:
    return {"roster_id": row.id, "source": row.source_label, "row": row.source_row}


def _values(name: str, facts: ClaimFacts, row: RosterRow) -> tuple[str, str]:
    if name == "approval_date":
        claimed = facts.approval_date.isoformat() if facts.approval_date else ""
        roster = row.approval_date_text or (row.approval_date.isoformat() if row.approval_date else "")
        return claimed, roster
    if name == "doc_no":
        return titles.normalise_doc_no(facts.doc_no), titles.normalise_doc_no(row.doc_no or "")
    return str(getattr(facts, name)), str(getattr(row, name) or "")
