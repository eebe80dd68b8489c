"""Certificate numbers (证书编号): ``ZC500111-2026-000123-Y``.

``ZC`` + issuing office's division code + year + 6-digit sequence + check character,
computed over the compact form ``ZC5001112026000123``.  The letters and hyphens make a
certificate number impossible to mistake for an 18-digit ID number (and vice versa).

Check character: ISO/IEC 7064 MOD 37-2 (pure system), not MOD 37,36 (hybrid).  The
hybrid system misses about 0.16 % of adjacent swaps in general and, with our fixed
prefix, *every* ``0``/``1`` swap inside office code 500111 (``ZC500111`` and
``ZC501011`` give the same check character).  The pure system's weights are powers of 2
modulo the prime 37, so every single substitution and every adjacent (and jump)
transposition changes the weighted sum.  Its one cost: the 37th check value is ``*``,
which we never print.  Those sequence numbers (1 in 37) are simply not used: the
allocator asks ``next_usable_seq``, and ``CertificateNumber`` refuses them.

Allocation (race-free per office and year) is not here: this module only formats,
checks and parses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from stdnum.iso7064 import mod_37_2

from ecert import NumberFormatError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PREFIX = "ZC"
MAX_SEQ = 999_999
_CHECK_ALPHABET = ALPHABET + "*"  # MOD 37-2 check values 0..36, stdnum's default alphabet

EXAMPLE = "ZC500111-2026-000123-Y"
_FORMAT_MESSAGE = (
    f"证书编号格式应为 {EXAMPLE} (expected {EXAMPLE}: ZC, 6-digit office code, "
    "4-digit year, 6-digit sequence number, check character)"
)
_CHECK_MESSAGE = (
    "证书编号校验位不符，请检查是否输错或颠倒了字符 "
    "(check character does not match: a character is mistyped or two are swapped)"
)
_ID_NUMBER_MESSAGE = (
    f"这像是身份证号码，不是证书编号；证书编号形如 {EXAMPLE} "
    f"(this looks like an ID number, not a certificate number such as {EXAMPLE})"
)


class NumberProblem(NumberFormatError):
    """What is wrong with a typed number: ``code`` for edges that say it in their own words
    (``number.empty``, ``number.format``, ``number.id_number``, ``number.check``); the text
    is the bilingual sentence for those that do not."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# Dashes people type or paste instead of the ASCII hyphen; NFKC already maps U+FF0D.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_HYPHENATED = re.compile(r"ZC(\d{6})-(\d{4})-(\d{1,6})-([0-9A-Z])")
_COMPACT = re.compile(r"ZC(\d{6})(\d{4})(\d{6})([0-9A-Z])")
_LOOKS_LIKE_ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")


def check_character(payload: str) -> str:
    """ISO/IEC 7064 MOD 37-2 check character (``0-9``, ``A-Z`` or ``*``) of a payload.

    ``*`` is a legitimate result of the standard; numbers that would get it are never
    allocated (see ``next_usable_seq``).
    """
    if not payload or any(char not in ALPHABET for char in payload):
        raise ValueError("the payload must be a non-empty string of 0-9 and A-Z")
    return mod_37_2.calc_check_digit(payload, alphabet=_CHECK_ALPHABET)


def seq_is_usable(office_code: str, year: int, seq: int) -> bool:
    """False for the 1 in 37 sequence numbers whose check character would be ``*``."""
    return check_character(_payload(office_code, year, seq)) != "*"


def next_usable_seq(office_code: str, year: int, seq: int) -> int:
    """The smallest usable sequence number >= ``seq``; the allocator's only rule."""
    while not seq_is_usable(office_code, year, seq):
        seq += 1
    if seq > MAX_SEQ:
        raise ValueError(f"office {office_code} has used all sequence numbers of {year}")
    return seq


def _payload(office_code: str, year: int, seq: int) -> str:
    return f"{PREFIX}{office_code}{year:04d}{seq:06d}"


@dataclass(frozen=True)
class CertificateNumber:
    office_code: str
    year: int
    seq: int

    def __post_init__(self) -> None:
        if not (len(self.office_code) == 6 and self.office_code.isascii() and self.office_code.isdigit()):
            raise ValueError("office_code must be a 6-digit division code")
        if not 1000 <= self.year <= 9999:
            raise ValueError("year must have 4 digits")
        if not 1 <= self.seq <= MAX_SEQ:
            raise ValueError(f"seq must be between 1 and {MAX_SEQ}")
        if self.check == "*":
            raise ValueError(
                f"seq {self.seq} is not usable for office {self.office_code} in {self.year} "
                "(its check character would be *); allocate next_usable_seq() instead"
            )

    @property
    def payload(self) -> str:
        """The compact form without check character: ``ZC5001112026000123``."""
        return _payload(self.office_code, self.year, self.seq)

    @property
    def check(self) -> str:
        return check_character(self.payload)

    @property
    def compact(self) -> str:
        return self.payload + self.check

    @property
    def text(self) -> str:
        return f"{PREFIX}{self.office_code}-{self.year:04d}-{self.seq:06d}-{self.check}"

    def __str__(self) -> str:
        return self.text


def format_number(office_code: str, year: int, seq: int) -> str:
    return CertificateNumber(office_code, year, seq).text


def parse_number(text: str) -> CertificateNumber:
    """Read a number as a person typed it; NumberFormatError says what to fix.

    Forgiving about case, spaces, missing or full-width hyphens and full-width
    characters; never about the check character.
    """
    cleaned = _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_DASHES)).upper()
    if not cleaned:
        raise NumberProblem("number.empty", "证书编号为空 (the certificate number is empty)")
    match = _HYPHENATED.fullmatch(cleaned) or _COMPACT.fullmatch(cleaned.replace("-", ""))
    if match is None:
        if _LOOKS_LIKE_ID_NUMBER.fullmatch(cleaned):
            raise NumberProblem("number.id_number", _ID_NUMBER_MESSAGE)
        raise NumberProblem("number.format", _FORMAT_MESSAGE)
    office_code, year, seq, check = match.groups()
    if int(seq) == 0 or int(year) < 1000:
        raise NumberProblem("number.format", _FORMAT_MESSAGE)
    # A mistyped number may land on an unusable sequence, whose check is *: still a typo.
    if check_character(_payload(office_code, int(year), int(seq))) != check:
        raise NumberProblem("number.check", _CHECK_MESSAGE)
    return CertificateNumber(office_code, int(year), int(seq))
