"""Chinese resident ID numbers (居民身份证号码), GB 11643-1999.

Layout of the 18-character number: 6-digit division code (GB/T 2260), birth date
YYYYMMDD, 3-digit sequence (odd = male), check character (ISO 7064 MOD 11-2, ``0-9``
or ``X``).  Old 15-digit numbers (2-digit year, no check character) still appear on
pre-2000 records; we never accept them silently but tell how to upgrade them, because a
certificate must carry the number the holder's ID card shows today.

Everything here is pure: callers that care about "born in the future" pass ``today``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from stdnum.cn import ric

from ecert.vocab.problem import Problem

# Province-level prefixes of GB/T 2260.  Checking only the province keeps us free of a
# 3,000-line table that changes every year as counties merge; it still catches the
# usual mistakes (leading zeros, shifted columns, a phone number pasted in).
PROVINCE_CODES: frozenset[str] = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    )
)

# Full-width forms come from Chinese input methods; x and X are the same check value.
_TRANSLATE = {0xFF10 + i: ord("0") + i for i in range(10)} | {
    ord("x"): "X",
    0xFF58: "X",  # ｘ
    0xFF38: "X",  # Ｘ
}
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_EARLIEST_BIRTH_YEAR = 1800


def normalise_id_number(text: str) -> str:
    """Canonical form: no spaces, ASCII digits, upper-case X."""
    return _SPACES.sub("", text).translate(_TRANSLATE)


def id_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("the check character is computed over exactly 17 ASCII digits")
    # stdnum computes the check character of a full number: any 18th character will do.
    return ric.calc_check_digit(first17 + "0")


def upgrade_15_to_18(old: str) -> str:
    """The 18-character number for an old 15-digit one (all old numbers are 19xx births)."""
    old = normalise_id_number(old)
    if len(old) != 15 or not (old.isascii() and old.isdigit()):
        raise ValueError("an old ID number has exactly 15 digits")
    first17 = old[:6] + "19" + old[6:]
    return first17 + id_check_character(first17)


def birth_date(id_number: str) -> date:
    """Birth date encoded in an 18- or 15-character number; ValueError if it is not a date."""
    number = normalise_id_number(id_number)
    digits = _birth_digits(number)
    if digits is None:
        raise ValueError("not an 18- or 15-character ID number")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def gender_of(id_number: str) -> Literal["男", "女"]:
    """Gender encoded by the last sequence digit: odd is male."""
    number = normalise_id_number(id_number)
    if len(number) == 18:
        digit = number[16]
    elif len(number) == 15:
        digit = number[14]
    else:
        raise ValueError("not an 18- or 15-character ID number")
    if not digit.isdigit():
        raise ValueError("the sequence of an ID number is made of digits")
    return "男" if int(digit) % 2 else "女"


def check_id_number(text: str, today: date | None = None) -> Problem | None:
    """None when ``text`` is a valid 18-character number, else what is wrong with it.

    ``today`` enables the "born in the future" check.  No problem carries the number or its
    upgraded form (they are personal data and problems end up in logs): an old 15-digit
    number gets the check character to append instead.  A wrong check character says only
    that the number is wrong: the right one would turn a typo into a valid-looking number
    of someone else, so the operator must look at the ID card.
    """
    number = normalise_id_number(text)
    if len(number) == 15 and number.isascii() and number.isdigit():
        problem = _check_region(number) or _check_birth(number, today)
        if problem:
            return problem
        return Problem("id_number.old_format", {"check": upgrade_15_to_18(number)[-1]})
    if len(number) != 18:
        return Problem("id_number.length", {"length": len(number)})
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return Problem("id_number.characters")
    problem = _check_region(number) or _check_birth(number, today)
    if problem:
        return problem
    if number[17] != id_check_character(number[:17]):
        return Problem("id_number.checksum")
    return None


def _birth_digits(number: str) -> str | None:
    if len(number) == 18:
        return number[6:14]
    if len(number) == 15:
        return "19" + number[6:12]
    return None


def _check_region(number: str) -> Problem | None:
    if number[:2] not in PROVINCE_CODES:
        return Problem("id_number.region", {"region": number[:6]})
    return None


def _check_birth(number: str, today: date | None) -> Problem | None:
    digits = _birth_digits(number)
    assert digits is not None
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return Problem("id_number.birth_date", {"digits": digits})
    if born.year < _EARLIEST_BIRTH_YEAR:
        return Problem("id_number.birth_date", {"digits": digits})
    if today is not None and born > today:
        return Problem("id_number.birth_future", {"born": born.isoformat()})
    return None
