"""The OCR hint (pure): whether the evidence's Tesseract text shows the claimed name, ID
number, qualification and 文号 (``legacy_import.ocr`` reads the scans). Re-exported by
``legacy_import.checks`` with the other rules."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecert.vocab import titles
from legacy_import.findings import INFO, LOW, Finding

OCR_FIELDS: tuple[str, ...] = ("name", "id_number", "qualification", "doc_no")
# Brackets Tesseract reads 〔〕 as, or drops: the 文号 is compared without any.
_BRACKETS = str.maketrans("", "", "〔〕[]()【】（）〖〗{}<>《》|")
_NOT_TEXT = re.compile(r"[\s\u200b\ufeff_·.,，。:：;；'\"“”‘’`~\-—]+")


def ocr_normal(text: str) -> str:
    """Text as compared with OCR output: full width made ASCII, upper case, no white space
    (Tesseract puts spaces between Chinese characters), no brackets or punctuation."""
    folded = text.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}).replace("\u3000", " ")
    return _NOT_TEXT.sub("", folded.upper()).translate(_BRACKETS)


def _near(needle: str, haystack: str) -> bool:
    """``needle`` appears with at most one character misread, added or lost (needles of 6+
    characters: for a two-character name one character is half of it)."""
    width = len(needle)
    if width < 6 or len(haystack) < width - 1:
        return False
    for start in range(max(1, len(haystack) - width + 2)):
        for size in (width, width + 1, width - 1):
            if _one_edit(needle, haystack[start : start + size]):
                return True
    return False


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most one substitution, insertion or deletion."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def check_ocr(id_number: str, claim: dict[str, str], texts: Sequence[str | None]) -> list[Finding]:
    """Whether the evidence's OCR text shows the claimed name, ID number, qualification and
    文号: a hint for staff (INFO when found, LOW when not), never a verdict — scans are
    faint, handwritten or stamped over. A value with one character misread (6+ characters)
    is ``partly`` found."""
    readable = [ocr_normal(text) for text in texts if text and text.strip()]
    if not readable:
        # None: not read (yet); "": read, and nothing came out
        return [Finding("ocr.no_text", INFO)] if any(text is not None for text in texts) else []
    values = {
        "name": str(claim.get("name", "")),
        "id_number": id_number,
        "qualification": str(claim.get("qualification", "")),
        "doc_no": titles.normalise_doc_no(str(claim.get("doc_no", ""))),
    }
    found, partly, missing = [], [], []
    for name in OCR_FIELDS:
        needle = ocr_normal(values[name])
        if not needle:
            continue
        if any(needle in text for text in readable):
            found.append(name)
        elif any(_near(needle, text) for text in readable):
            partly.append(name)
        else:
            missing.append(name)
    findings = []
    if found:
        findings.append(Finding("ocr.found", INFO, {"fields": found}))
    if partly:
        findings.append(Finding("ocr.partly", INFO, {"fields": partly}))
    if missing:
        findings.append(Finding("ocr.not_found", LOW, {"fields": missing}))
    return findings
