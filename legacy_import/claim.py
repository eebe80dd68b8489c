"""What a conversion application claims, and which evidence each case needs (pure).

The claim's fields are the decisions CSV's (``issuer.decisions.fields``: one vocabulary),
less the photo and the mobile, plus the paper certificate's own number. The holder's ID
number is the account's, never typed again.
"""

from __future__ import annotations

from typing import Final

INTACT, LOST, INCOMPLETE = "intact", "lost", "incomplete"
CASES: Final = (INTACT, LOST, INCOMPLETE)

CLAIM_FIELDS: Final = (
    "name",
    "gender",
    "qualification",
    "series",
    "specialty",
    "level",
    "grant_route",
    "approval_date",
    "approving_body",
    "doc_no",
    "paper_number",
    "employer",
)
# Needed to submit; a draft may lack any of them. Lost and incomplete cases may not know
# the paper number or the 文号: the archive's letter or form stands in for them.
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    INTACT: ("name", "gender", "qualification", "series", "level", "approval_date", "approving_body", "paper_number"),
    LOST: ("name", "gender", "qualification", "series", "level", "approval_date"),
    INCOMPLETE: ("name", "gender", "qualification", "series", "level"),
}

PAPER_CERTIFICATE, REVIEW_FORM, REPORT_FORM, ARCHIVE_LETTER = (
    "paper_certificate",
    "review_form",  # 《职称申报评审表》
    "report_form",  # 《考核确定职称呈报表》
    "archive_letter",  # the personnel-archive department's certifying letter
)
EVIDENCE_KINDS: Final = (PAPER_CERTIFICATE, REVIEW_FORM, REPORT_FORM, ARCHIVE_LETTER)
# Each inner tuple is "one of these": an intact certificate needs its scan; a lost or
# incomplete one needs a form or letter the archive department checked.
REQUIRED_EVIDENCE: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    INTACT: ((PAPER_CERTIFICATE,),),
    LOST: ((REVIEW_FORM, REPORT_FORM, ARCHIVE_LETTER),),
    INCOMPLETE: ((REVIEW_FORM, REPORT_FORM, ARCHIVE_LETTER),),
}


def missing_fields(case: str, claim: dict[str, str]) -> tuple[str, ...]:
    return tuple(name for name in REQUIRED[case] if not str(claim.get(name, "")).strip())


def missing_evidence(case: str, kinds: set[str]) -> tuple[tuple[str, ...], ...]:
    """The groups of which the evidence holds none (empty: enough to submit)."""
    return tuple(group for group in REQUIRED_EVIDENCE[case] if not kinds & set(group))
