"""Will this decision print? Every check that could fail while rendering, run before a
number is reserved, so that a row that cannot be printed is a row error, not a stranded
reservation.

A decisions file is validated without fonts (``issuer.decisions``); this second look uses
the renderer's fonts and the page's layout:

- every character exists in the embedded fonts (``unprintable``);
- every value fits its place on the page, wrapped onto two lines if need be, at ≥ 9 pt
  (``issuer.rendering.fitting``: the same rule the renderer follows);
- the verification URL with its signed claim encodes in a QR code of the allowed version;
- a certificate converted from paper: its paper number and the provenance note print and
  fit (column ``provenance``: the note is not a column of a decisions file, the approval
  that converts a paper certificate says it in its own words).

The photo was decoded fully by the row check, and is decoded again just before the
reservation (``issuer.services.issuance``), so a file changed in between is caught there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ecert.clock import office_date
from ecert.models import CertificateStatus
from ecert.vocab.numbering import format_number
from ecert.vocab.tokens import new_token
from issuer import RenderingError
from issuer.decisions import Decision, RowError
from issuer.decisions.fields import BY_NAME
from issuer.rendering.fitting import MIN_PT
from issuer.rendering.layout import PAPER_NUMBER_LABEL, PROVENANCE_LABEL, CertificateView
from issuer.rendering.qr import MAX_VERSION, qr_version
from issuer.services.pipeline import Issuance, Renderer, Reservation, certificate_view

PRINTED_COLUMNS = ("name", "employer", "series", "specialty", "qualification", "approving_body", "doc_no")
# The certificate's labels (``issuer.rendering.layout.printed_fields``) of the columns a
# decisions file fills; the other printed fields (dates, route, office) are not typed.
_COLUMN_OF_LABEL = {
    "姓名": "name",
    "资格名称": "qualification",
    "工作单位": "employer",
    "系列": "series",
    "专业": "specialty",
    "层级": "level",
    "审批机关": "approving_body",
    "文号": "doc_no",
}
# The columns the QR code's signed claim carries: a claim too large for the QR code is
# reported on the longest of them (the rest of the URL has a fixed length).
_CLAIM_COLUMNS = ("name", "qualification")
# A number of the longest shape: a provisional view is measured before any is reserved.
_SEQ_PROBE = 999_998


def split_printable(issuance: Issuance, decisions: Iterable[Decision]) -> tuple[list[Decision], list[RowError]]:
    """The decisions that will print, and row errors for the rest."""
    printable, errors = [], []
    for decision in decisions:
        problems = print_problems(issuance, decision)
        errors.extend(problems)
        if not problems:
            printable.append(decision)
    return printable, errors


def print_problems(issuance: Issuance, decision: Decision, *, version: int = 1) -> list[RowError]:
    """Row errors for what would stop ``decision`` from printing as version ``version``."""
    errors = unprintable_fields(issuance.renderer, decision)
    if errors:  # a missing glyph has no width: measuring would only repeat the error
        return errors
    view = _view(issuance, decision, version)
    for label in issuance.renderer.unfit(view):
        if label in (PAPER_NUMBER_LABEL, PROVENANCE_LABEL):
            problem = RowError(decision.row, PROVENANCE_COLUMN, "provenance.too_long", {"size": _pt(MIN_PT)})
            if problem not in errors:
                errors.append(problem)
            continue
        column = _COLUMN_OF_LABEL.get(label, label)
        spec = BY_NAME.get(column)
        errors.append(
            RowError(
                decision.row,
                column,
                "layout.too_long",
                {"max": spec.max_length if spec and spec.max_length else 0, "size": _pt(MIN_PT)},
            )
        )
    if not _qr_fits(view.verify_url):
        shortest = replace(decision, **{column: getattr(decision, column)[:1] for column in _CLAIM_COLUMNS})
        if not _qr_fits(_view(issuance, shortest, version).verify_url):
            # Not this row's doing: the URL is too long with any values (the public URL).
            raise QRTooSmallForURL(len(view.verify_url))
        longest = max(_CLAIM_COLUMNS, key=lambda column: len(getattr(decision, column).encode("utf-8")))
        errors.append(RowError(decision.row, longest, "qr.too_large", {"max": MAX_VERSION}))
    return errors


# The column a converted certificate's provenance problems are reported on.
PROVENANCE_COLUMN = "provenance"


class QRTooSmallForURL(RenderingError):
    """The verification URL does not fit the QR code whatever a row holds: the configured
    public URL is too long (``code`` and ``params`` for the edge's words)."""

    code = "qr.public_url_too_long"

    def __init__(self, length: int) -> None:
        super().__init__(f"QR code: a verification URL of {length} characters does not fit version {MAX_VERSION}")
        self.params = {"max": MAX_VERSION}


def _qr_fits(url: str) -> bool:
    try:
        qr_version(url)
    except RenderingError:
        return False
    return True


def _view(issuance: Issuance, decision: Decision, version: int) -> CertificateView:
    return certificate_view(
        decision,
        _probe(issuance, version),
        issuance.settings,
        photo=None,
        issue_date=office_date(issuance.clock()),
        claim_signer=issuance.claim_signer,
    )


def unprintable_fields(renderer: Renderer, decision: Decision) -> list[RowError]:
    """Row errors for the characters of ``decision`` that no font can print."""
    errors = []
    for column in PRINTED_COLUMNS:
        missing = renderer.unprintable(getattr(decision, column))
        if missing:
            chars = ", ".join(f"U+{ord(ch):04X} ({ch})" for ch in dict.fromkeys(missing))
            errors.append(RowError(decision.row, column, "unprintable", {"chars": chars}))
    origin = decision.provenance
    if origin is not None:
        missing = renderer.unprintable(origin.paper_number + origin.verified_by)
        if missing:
            chars = ", ".join(f"U+{ord(ch):04X} ({ch})" for ch in dict.fromkeys(missing))
            errors.append(RowError(decision.row, PROVENANCE_COLUMN, "unprintable", {"chars": chars}))
    return errors


def _probe(issuance: Issuance, version: int) -> Reservation:
    year = office_date(issuance.clock()).year
    return Reservation(
        certificate_id=0,
        number=format_number(issuance.settings.office_code, year, _SEQ_PROBE),
        token=new_token(),
        version=version,
        status=CertificateStatus.PENDING,
        sha256=None,
    )


def _pt(size: float) -> str:
    return f"{size:g}"
