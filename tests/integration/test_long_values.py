"""Every field at its maximum length, in the widest characters the fonts have, prints on the
one A4 page at ≥ 9 pt, wrapped where need be, with no text over the photo, the QR code
or the seal; one rule (``issuer.rendering.fitting``) decides for the renderer and for the
validation of a decisions file."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from issuer.decisions.fields import BY_NAME
from issuer.rendering.fitting import MIN_PT, VALUE_W_BESIDE_PHOTO, VALUE_W_FULL, set_value
from issuer.rendering.layout import PHOTO_BOX, SEAL_BOX, CertificateRenderer, CertificateView, qr_box
from issuer.rendering.qr import qr_modules
from issuer.rendering.text import PT_PER_MM

# Latin W is the widest character of the fonts' Latin, Chinese and full-width sets (1.053 em);
# a Chinese character, full-width letter or Extension B character is 1 em.
WIDEST = ("W", "鬱", "Ｗ", "𪚥")
URL = "http://127.0.0.1:8000/v/K7Q2M4X9TB3ZHRW5NPD6FJ8CYA?c=" + "A" * 150
# The columns a decisions file fills and the page prints, with the label printed before them.
LABELS = {
    "name": "姓名",
    "qualification": "资格名称",
    "employer": "工作单位",
    "series": "系列",
    "specialty": "专业",
    "level": "层级",
    "approving_body": "审批机关",
    "doc_no": "文号",
}


def _longest(ch: str) -> CertificateView:
    at_max = {column: ch * (BY_NAME[column].max_length or 0) for column in LABELS}
    return CertificateView(
        number="ZC500111-2026-000001-H",
        token="K7Q2M4X9TB3ZHRW5NPD6FJ8CYA",
        version=2,  # the version row too: the most rows a page has
        verify_url=URL,
        gender="女",
        id_number="50011119850312402X",
        grant_route_label="评审",
        approval_date=date(2025, 10, 20),
        issue_date=date(2026, 11, 26),
        office_name="重庆市大足区职称改革办公室",
        **at_max,
    )


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _words(pdf: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, (x1, y1, x2, y2) in mm, top-left origin) of each word pdftotext finds."""
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        _run("pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"),
    )
    return [(text, tuple(float(v) / PT_PER_MM for v in box)) for *box, text in found]  # type: ignore[misc]


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _corners(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    return (x, y, x + w, y + h)


@pytest.mark.parametrize("ch", WIDEST)
def test_every_field_at_its_maximum_prints_on_one_page_clear_of_photo_qr_and_seal(
    renderer: CertificateRenderer, tmp_path: Path, ch: str
) -> None:
    view = _longest(ch)
    assert renderer.unfit(view) == []
    pdf = tmp_path / "longest.pdf"
    pdf.write_bytes(renderer.render(view))

    assert re.search(r"^Pages:\s+1$", _run("pdfinfo", str(pdf)), re.M)
    text = _run("pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-").replace("\n", "")
    for column in LABELS:
        assert getattr(view, column) in text, column  # every character, in order, wrapped or not

    x1, y1, x2, y2 = SEAL_BOX  # points, lower-left origin
    seal = (x1 / PT_PER_MM, (841.89 - y2) / PT_PER_MM, x2 / PT_PER_MM, (841.89 - y1) / PT_PER_MM)
    boxes = {"photo": _corners(*PHOTO_BOX), "qr": _corners(*qr_box(len(qr_modules(URL)))), "seal": seal}
    words = _words(pdf)
    assert sum(1 for word, _ in words if ch in word) >= 2 * len(LABELS) - 2  # most values wrapped
    for word, box in words:
        # The office's name and the issue date sit under the seal, as on a paper certificate.
        under_seal = box[1] > 228 and box[0] > 100 and not box[1] > 262
        for name, other in boxes.items():
            if name == "seal" and under_seal:
                continue
            assert not _overlaps(box, other), f"{word!r} at {box} overlaps the {name}"
        assert box[0] > 14 and box[2] < 196 and box[1] > 14 and box[3] < 283, f"{word!r} leaves the frame"

    _run("pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "page"))
    with Image.open(tmp_path / "page.png") as page:
        assert page.size == (827, 1170)  # A4 at 100 dpi
        # The value block is printed: dark ink in the row of the employer, right across.
        row = page.convert("L").crop((int(55 / 25.4 * 100), 445, int(180 / 25.4 * 100), 470))
        assert row.getextrema()[0] < 80


def test_the_maxima_are_what_two_lines_of_the_widest_characters_hold(renderer: CertificateRenderer) -> None:
    measure = renderer._measure
    for column in LABELS:
        width = VALUE_W_BESIDE_PHOTO if column in ("name", "qualification") else VALUE_W_FULL
        at_max = set_value("W" * (BY_NAME[column].max_length or 0), width, measure)
        assert at_max is not None and at_max.size >= MIN_PT, column
    # One more line's worth does not fit: the limit is the page's, not a guess.
    assert set_value("W" * 80, VALUE_W_FULL, measure) is None
    assert set_value("W" * 56, VALUE_W_BESIDE_PHOTO, measure) is None


def test_long_values_wrap_at_a_legible_size_instead_of_shrinking(renderer: CertificateRenderer) -> None:
    employer = "重庆市大足区人民医院（重庆医科大学附属大足医院）心血管内科住院部护理单元办公室暨门诊部"
    setting = set_value(employer, VALUE_W_FULL, renderer._measure)
    assert setting is not None and setting.size >= MIN_PT and len(setting.lines) == 2
    assert "".join(setting.lines) == employer
    assert not setting.lines[1].startswith(("）", "，", "。"))  # no closing mark starts a line
    short = set_value("重庆市大足区人民医院", VALUE_W_FULL, renderer._measure)
    assert short is not None and (short.size, short.lines) == (12.5, ("重庆市大足区人民医院",))
    words = "Chongqing Dazu District People's Hospital, Department of Cardiology " * 2
    latin = set_value(words.strip(), VALUE_W_FULL, renderer._measure)
    assert latin is not None and len(latin.lines) == 2
    assert set(" ".join(latin.lines).split()) == set(words.split())  # broken between words, none split
