"""Mainland mobile numbers (11 digits, 1[3-9]…), as people type them: spaces, hyphens, a
+86 prefix and full-width digits are fine. The one rule for the decisions CSV and the
registration form; the registry's number is where one-time codes go."""

from __future__ import annotations

import re

from ecert.vocab.problem import Problem

MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-\u00a0\u3000()（）]")


def normalise_mobile(text: str) -> str:
    folded = "".join(chr(ord(c) - 0xFEE0) if "\uff10" <= c <= "\uff19" or c == "\uff0b" else c for c in text)
    folded = _SEPARATORS.sub("", folded)
    for prefix in ("+86", "0086", "86"):
        if folded.startswith(prefix) and len(folded) == len(prefix) + 11:
            folded = folded[len(prefix) :]
    return folded


def mobile_problem(normalised: str) -> Problem | None:
    return None if MOBILE.fullmatch(normalised) else Problem("mobile.invalid", {"value": normalised[:20]})
