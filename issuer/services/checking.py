"""Every row check of a decisions file before anything is issued, in one place.

``ecert issue`` and the console's CSV upload both call :func:`check_rows` on what
``issuer.decisions.parse_decisions`` read: the file's own row errors, then the renderer's
(``preflight``), then the registry's (``identity``), in row order. So a file is refused
for the same reasons, with the same row errors, wherever it is issued from.
"""

from __future__ import annotations

from issuer.decisions import Decision, ParsedDecisions, RowError
from issuer.services.identity import split_bound
from issuer.services.pipeline import Issuance
from issuer.services.preflight import split_printable


def check_rows(issuance: Issuance, parsed: ParsedDecisions) -> tuple[list[Decision], list[RowError]]:
    """The decisions that can be issued, and every row error of the file (sorted by row).

    Raises ``IssuerError`` for what is no row's fault (a public URL too long for any QR code).
    """
    decisions, unprintable = split_printable(issuance, parsed.decisions)
    decisions, bound = split_bound(issuance.db, decisions)
    return decisions, sorted(parsed.errors + unprintable + bound, key=lambda e: e.row)
