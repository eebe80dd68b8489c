"""The number of a pre-2021 paper certificate, as the registry keeps it.

Paper numbers have no common shape (渝卫高字第0012号, 2003-0456, 中评字〔1998〕12号 …):
nothing is checked but that there is one. They are kept folded, so that one typed with
full-width digits or letters, or with spaces, as people copy them, finds the same row:
NFKC (full-width → half-width), white space dropped, Latin letters upper case. The roster
import (``RosterEntry.paper_number``), the conversion (``Decision.paper_number``) and the
verifier's lookup (``verifier.paper``) all read numbers through :func:`normalise_paper_number`.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 64  # the columns' length
_SPACES = re.compile(r"\s+")
_NOT_TEXT = frozenset({"Cc", "Cs", "Co", "Cn"})


def normalise_paper_number(text: str) -> str:
    """``text`` folded as stored; empty when nothing is left, or when it holds control
    characters or code points no text has (a lone surrogate, a private-use or unassigned
    one: no database stores those, and the lookup must answer "not found", not fail)."""
    if any(unicodedata.category(ch) in _NOT_TEXT for ch in text.strip()):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).upper()
