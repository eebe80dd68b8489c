"""Dates in archive rosters, as archives write them (pure).

An Excel date cell; an Excel serial number, as a number or as its five digits (a CSV saved
from a sheet whose date column had lost its format); ``2003-07-01``, ``2003/7/1``,
``2003.7.1``, ``2003年7月1日``, ``20030701``, ``二〇〇三年七月一日``. A month alone
(``2003年7月``, ``2003.7``, ``2003-07``, ``二〇〇三年七月``: the paper often gives no day) is
the 1st of that month with precision ``month``; the text is kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from ecert.vocab.problem import Problem
from issuer.decisions.rows import EARLIEST_APPROVAL

DAY, MONTH = "day", "month"
_TRIM = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_TIME_SUFFIX = r"(?:T?0{1,2}:00(?::00)?)?"  # after spaces are removed
_DAY_PATTERNS = (
    re.compile(rf"(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME_SUFFIX}"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_MONTH_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月?"),
    re.compile(r"(\d{4})(\d{2})"),
)
_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(
    r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月(?:([一二三四五六七八九十]{1,3})日)?"
)
EXCEL_1900 = date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Lotus's 29 February 1900, before 61)
EXCEL_1904 = date(1904, 1, 1)


def parse_roster_date(
    value: Any, *, today: date, epoch: date = EXCEL_1900, serials: bool = True
) -> tuple[date, str, str] | Problem:
    """(date, precision, text as written) of a date cell: an Excel date, an Excel serial
    number (as a number or as its digits), ``2003-07-01``, ``2003/7/1``, ``2003.7.1``,
    ``2003年7月1日``, ``20030701``, ``二〇〇三年七月一日``; a month (``2003年7月``,
    ``2003.7``, ``2003-07``) is the 1st with precision ``month``. ``serials=False``: text
    a person typed (a claim), where five digits are no Excel serial."""
    if isinstance(value, datetime | date):
        given = value.date() if isinstance(value, datetime) else value
        return _checked(given, DAY, given.isoformat(), today)
    if isinstance(value, bool):
        return Problem("roster.date_format", {"value": str(value)})
    if isinstance(value, int | float):
        return _serial(value, str(int(value)) if float(value).is_integer() else str(value), today, epoch)
    written = _TRIM.sub("", str(value))
    typed = _SPACES.sub("", unicodedata.normalize("NFKC", written))
    chinese = _CN_DATE.fullmatch(typed)
    if chinese:
        year = int("".join(str(_CN_DIGITS[char]) for char in chinese.group(1)))
        month = _cn_number(chinese.group(2))
        if chinese.group(3) is None:
            return _made(year, month, 1, MONTH, written, today)
        return _made(year, month, _cn_number(chinese.group(3)), DAY, written, today)
    serial = _SERIAL.fullmatch(typed) if serials else None
    if serial:
        return _serial(int(serial.group(1)), written, today, epoch)
    for pattern in _DAY_PATTERNS:
        match = pattern.fullmatch(typed)
        if match:
            year, month, day = (int(group) for group in match.groups())
            return _made(year, month, day, DAY, written, today)
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(typed)
        if match:
            year, month = (int(group) for group in match.groups())
            return _made(year, month, 1, MONTH, written, today)
    return Problem("roster.date_format", {"value": written})


def _made(
    year: int, month: int, day: int, precision: str, written: str, today: date
) -> tuple[date, str, str] | Problem:
    try:
        made = date(year, month, day)
    except ValueError:
        return Problem("date.invalid", {"value": written})
    return _checked(made, precision, written, today)


def _serial(number: float, written: str, today: date, epoch: date) -> tuple[date, str, str] | Problem:
    if not float(number).is_integer() or number < 1:
        return Problem("roster.date_format", {"value": written})
    try:
        day = epoch + timedelta(days=int(number))
    except OverflowError:
        return Problem("roster.date_format", {"value": written})
    return _checked(day, DAY, written, today)


def _checked(day: date, precision: str, written: str, today: date) -> tuple[date, str, str] | Problem:
    if day > today:
        return Problem("date.future", {"date": day.isoformat()})
    if day < EARLIEST_APPROVAL:
        return Problem("date.too_early", {"date": day.isoformat(), "earliest": EARLIEST_APPROVAL.isoformat()})
    return day, precision, written


def _cn_number(text: str) -> int:
    """一 … 三十一 (the numbers of months and days)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0) if len(text) == 1 else 0
    tens, _ten, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
