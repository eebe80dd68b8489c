"""Scans of paper-era forms for the conversion checks' tests: a 《考核确定职称呈报表》 drawn
with the Noto CJK font, as a scanner would give it (slightly rotated, speckled)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
_SC = 2  # the Simplified Chinese face of the collection


def report_form(
    *,
    name: str,
    id_number: str,
    qualification: str,
    doc_no: str,
    employer: str = "重庆市大足区人民医院",
    approval_date: str = "2003年7月1日",
    angle: float = 0.6,
    noise: int = 1,
) -> Image.Image:
    """An A4 page at 200 dpi: title, then a table of label | value rows."""
    width, height = 1654, 2339
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    title = ImageFont.truetype(FONT, 72, index=_SC)
    text = ImageFont.truetype(FONT, 48, index=_SC)
    small = ImageFont.truetype(FONT, 36, index=_SC)
    draw.text((width // 2, 200), "考核确定职称呈报表", font=title, fill=20, anchor="mm")
    draw.text((140, 320), "填报单位（盖章）：重庆市大足区人事局", font=small, fill=30)
    rows = [
        ("姓名", name),
        ("性别", "女"),
        ("身份证号码", id_number),
        ("工作单位", employer),
        ("资格名称", qualification),
        ("审批时间", approval_date),
        ("文号", doc_no),
    ]
    top = 400
    for label, value in rows:
        draw.rectangle((130, top, width - 130, top + 120), outline=30, width=3)
        draw.line((520, top, 520, top + 120), fill=30, width=3)
        draw.text((160, top + 32), label, font=text, fill=25)
        draw.text((560, top + 32), value, font=text, fill=25)
        top += 120
    draw.text((140, top + 80), "以上情况属实。", font=text, fill=25)
    draw.text((width - 700, top + 260), "人事档案部门（盖章）", font=text, fill=25)
    if noise:
        rnd = random.Random(noise)
        pixels = page.load()
        for _ in range(6000):
            x, y = rnd.randrange(width), rnd.randrange(height)
            pixels[x, y] = rnd.choice((60, 120, 180))
        page = page.filter(ImageFilter.GaussianBlur(0.6))
    return page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=250)


def other_picture() -> Image.Image:
    """A page that is not a form at all (a photograph stands in for it)."""
    return Image.effect_mandelbrot((1240, 1754), (-2.0, -1.5, 1.0, 1.5), 60)


def encoded(image: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()
