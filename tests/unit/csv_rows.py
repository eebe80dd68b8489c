"""Decisions files for the unit tests of one rule each: one good row, changed per test."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from ecert.i18n import force_locale, init_i18n
from issuer.cli.words import row_error_text
from issuer.decisions import ParsedDecisions, parse_decisions

TODAY = date(2026, 11, 26)
GOOD = {
    "name": "李晓梅",
    "gender": "女",
    "id_number": "500111199207210042",
    "employer": "重庆市大足区龙岗第一小学",
    "series": "中小学教师",
    "specialty": "小学数学",
    "level": "中级",
    "qualification": "一级教师",
    "grant_route": "evaluation",
    "approval_date": "2025-11-28",
    "approving_body": "重庆市大足区中小学教师中级职称评审委员会",
    "doc_no": "足人社发〔2025〕98号",
    "photo": "",
    "mobile": "13800138000",
}


@pytest.fixture
def english() -> Iterator[None]:
    """Problems are codes; the tests read them as an operator with ``--lang en`` does."""
    app = Flask(__name__)
    init_i18n(app)
    with app.app_context(), force_locale("en"):
        yield


def csv_file(*rows: dict[str, str]) -> bytes:
    """A decisions file, quoted as a spreadsheet quotes it (cells with line breaks too)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(GOOD))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def row(**changes: str) -> dict[str, str]:
    return GOOD | changes


def parse(*rows: dict[str, str], base_dir: Path) -> ParsedDecisions:
    return parse_decisions(csv_file(*rows), base_dir=base_dir, today=TODAY)


def errors(*rows: dict[str, str], base_dir: Path) -> list[str]:
    return [row_error_text(error) for error in parse(*rows, base_dir=base_dir).errors]
