"""Numbers of pre-2021 paper certificates: what a lookup answers for them.

An HR clerk holding an old paper certificate types its number. The registry knows it in
one of two ways:

- an electronic certificate was converted from it (``Decision.paper_number``): the answer
  is that certificate, with its status now, as if its own number had been typed;
- an archive roster the office imported lists it (``RosterEntry.paper_number``) and no
  certificate was converted from it yet: the answer is :class:`PaperRecord`,
  "纸质证书存档记录存在，尚未转换为电子证书", with no more than the qualification and the
  year of approval, so that a genuine old title is not read as a forgery.

Both need the holder's full name, as a lookup by number does, and a wrong name answers
exactly like an unknown number (``None``): the paper numbers cannot be enumerated. A paper
record answer names no certificate, so it records nothing in a holder's verification
history (``ecert.verifications``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert import NumberFormatError
from ecert.models import Certificate, CertificateStatus, Decision, Holder, LegacyApplication, RosterEntry
from ecert.vocab.names import name_problem, normalise_name
from ecert.vocab.numbering import parse_number
from ecert.vocab.paper_numbers import MAX_LENGTH as MAX_PAPER_NUMBER
from ecert.vocab.paper_numbers import normalise_paper_number
from verifier import lookup
from verifier.lookup import PublicCertificate

# Candidates looked at per typed paper number: the same number may appear in several
# rosters (copies of one list) or, rarely, for several holders; a bound keeps a lookup cheap.
_MAX_ROWS = 20


@dataclass(frozen=True)
class PaperRecord:
    """An archive roster lists this paper certificate for this name and nothing was
    converted from it yet. Minimal data: no name, ID number, employer or 文号."""

    qualification: str
    approval_year: int | None

    status = "on_record_not_converted"


Answer = PublicCertificate | PaperRecord


def paper_number_forms(text: str) -> list[str]:
    """The spellings of a typed paper number to look for: folded as the registry keeps them
    (``ecert.vocab.paper_numbers``), and as typed (trimmed), for rows stored otherwise.
    Empty when it cannot be one."""
    typed = text.strip()
    folded = normalise_paper_number(typed)
    if not folded or len(typed) > MAX_PAPER_NUMBER:
        return []
    return list(dict.fromkeys((folded, typed)))


def by_number_text_and_name(session: Session, text: str, full_name: str) -> Answer | None:
    """What a lookup by number and name answers: the certificate of that number, else the
    one converted from the paper certificate of that number, else the paper record; None
    when nothing matches (a typo, an unknown number, a wrong name)."""
    try:
        number = parse_number(text).text
    except NumberFormatError:
        number = None
    if number is not None:
        found = lookup.by_number_and_name(session, number, full_name)
        if found is not None:
            return found
    return by_paper_number_and_name(session, text, full_name)


def by_paper_number_and_name(session: Session, text: str, full_name: str) -> Answer | None:
    if name_problem(full_name) is not None:
        return None
    forms = paper_number_forms(text)
    if not forms:
        return None
    name = normalise_name(full_name).encode()
    # Converted: the certificate's current name decides, as for its own number.
    for number in _converted_numbers(session, Decision.paper_number.in_(forms)):
        found = lookup.by_number_and_name(session, number, full_name)
        if found is not None:
            return found
    entries = session.execute(
        select(
            RosterEntry.id,
            RosterEntry.name,
            RosterEntry.id_number,
            RosterEntry.qualification,
            RosterEntry.approval_date,
        )
        .where(RosterEntry.paper_number.in_(forms))
        .order_by(RosterEntry.id)
        .limit(_MAX_ROWS)
    ).all()
    matching = [entry for entry in entries if hmac.compare_digest(normalise_name(entry.name).encode(), name)]
    for entry in matching:
        # Converted since, under a corrected name: the roster's name and number still
        # identify it, through the approved application or the holder's ID number.
        converted = _converted_from(session, entry.id, entry.id_number, forms)
        if converted is not None:
            return converted
    if matching:
        entry = matching[0]
        year = entry.approval_date.year if entry.approval_date is not None else None
        return PaperRecord(qualification=entry.qualification, approval_year=year)
    return None


def _converted_numbers(session: Session, where: object) -> list[str]:
    rows = session.execute(
        select(Certificate.number)
        .join(Decision, Certificate.decision_id == Decision.id)
        .join(Holder, Decision.holder_id == Holder.id)
        .where(where, Certificate.status != CertificateStatus.PENDING)  # type: ignore[arg-type]
        .order_by(Certificate.id)
        .limit(_MAX_ROWS)
    ).all()
    return list(dict.fromkeys(row.number for row in rows))


def _converted_from(
    session: Session, entry_id: int, id_number: str | None, forms: list[str]
) -> PublicCertificate | None:
    numbers = session.scalars(
        select(LegacyApplication.certificate_number)
        .where(LegacyApplication.roster_entry_id == entry_id, LegacyApplication.certificate_number.is_not(None))
        .order_by(LegacyApplication.id)
    ).all()
    candidates = [number for number in numbers if number]
    if id_number:
        candidates += _converted_numbers(session, Decision.paper_number.in_(forms) & (Holder.id_number == id_number))
    for number in dict.fromkeys(candidates):
        found = lookup.by_number(session, number)
        if found is not None:
            return found
    return None


def may_be_paper_number(error: NumberFormatError) -> bool:
    """Whether text that is no certificate number of ours (``error``) is looked up as a paper
    one: only text of another shape altogether; a number of our shape with a wrong check
    character is a typo, an ID number is never a certificate's number, and both keep saying so."""
    return getattr(error, "code", "") == "number.format"
