"""Render a professional-title certificate (职称证书) as an unsigned one-page PDF/A-3b.

Layout (A4 portrait): a double red-and-gold border with corner ornaments on a warm white
ground; the title 职称证书 with the subtitle 专业技术人员职称电子证书; the holder photo
(35×45 mm) at the top right, or a neutral grey silhouette; the fields with Chinese labels,
a long value set smaller or wrapped onto a second line, never below 9 pt
(:mod:`issuer.rendering.fitting`, the rule validation uses too); bottom left the verification QR code (vector, symbol 27 mm)
with 扫码验证 and the URL; bottom right 发证机关 / 发证日期 / 证书编号, and over them the
empty square :data:`SEAL_BOX` where the signer puts the red seal (signature appearance).

PDF/A: fpdf2 with ``enforce_compliance="PDF/A-3B"``: sRGB output intent (fpdf2's builtin
sRGB2014 ICC profile), XMP with ``pdfaid:part=3``/``conformance=B``, all fonts embedded as
per-document subsets, JPEG photo without /Interpolate, no transparency on the page (the
seal's soft mask, added later by the signer, is allowed in PDF/A-2/3).

Machine-readable record: ``view.record`` is embedded as the associated file
``certificate.json`` (UTF-8 JSON, ``/AFRelationship /Data``, MIME application/json,
referenced from the catalog's ``/AF`` and the ``/EmbeddedFiles`` name tree).  PDF/A-3
is chosen over 2b because only PDF/A-3 allows a non-PDF attachment; it is not duplicated
into XMP (custom XMP properties would need a PDF/A extension schema).  Read it back with
``pikepdf.Pdf.attachments["certificate.json"].get_file().read_bytes()``.

Speed: fonts are parsed once per process (:mod:`issuer.rendering.fonts`), only the glyphs used are
subset per document with HarfBuzz and embedded as they are (:mod:`issuer.rendering.embedding`),
the QR mask is chosen with numpy (:mod:`issuer.rendering.qr_mask`), the photo is normalised once
(:mod:`issuer.rendering.photos`), the placeholder photo is made once per renderer.  Measured:
~13–17 ms of CPU per certificate with photo (``scripts/bench_issuance.py``), ~55 KB unsigned.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fpdf import FPDF
from fpdf.output import OutputProducer
from PIL import Image, ImageDraw

from ecert.clock import utc_now
from issuer import RenderingError
from issuer.rendering.embedding import SubsetOutputProducer
from issuer.rendering.fitting import (
    LABEL_W,
    LABEL_X,
    NOTE_W,
    PHOTO_X,
    ROW0_Y,
    ROW_STEP,
    VALUE_X,
    set_fields,
    set_note,
    value_width,
)
from issuer.rendering.fonts import FontSet, default_font_set
from issuer.rendering.photos import PHOTO_PX as _PHOTO_PX
from issuer.rendering.photos import normalize_photo
from issuer.rendering.qr import draw_qr, qr_modules
from issuer.rendering.text import INK, PT_PER_MM, TextLayer

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0

# --- Layout (mm, top-left origin, as fpdf2 uses) ---------------------------------------
_MARGIN_OUTER = 9.0
_LABEL_X, _LABEL_W, _VALUE_X = LABEL_X, LABEL_W, VALUE_X  # the field block: issuer.rendering.fitting
_PHOTO = (PHOTO_X, 62.0, 35.0, 45.0)  # x, y, w, h
_QR_X, _QR_Y = 25.0, 212.0
_QR_SYMBOL_MM = 27.0  # printed size of the symbol without its quiet zone
_ISSUE_BLOCK_RIGHT = 183.0
_NUMBER_Y = 221.0  # 证书编号, above the seal
# A certificate converted from paper: 证书编号 one step higher, 原纸质证书编号 where it was.
_NUMBER_Y_CONVERTED = 216.0
_PAPER_NUMBER_Y = 222.3
# The provenance note, across the page between the fields and the QR code: one line on
# this baseline, or two straddling it (a wrapped last field row ends above 200 mm, the
# QR code's quiet zone starts at 212 mm, 证书编号 of a converted one rises to 210 mm).
_NOTE_Y = 205.0
_NOTE_PITCH = 1.46
_ISSUE_Y0 = 238.0  # 发证机关, then 发证日期 one step lower, both under the seal
_ISSUE_STEP = 8.5
_SEAL_MM = 42.0
_SEAL_CENTRE_MM = (155.0, 245.5)  # over the office name and the date, like a real seal


def _seal_box_pt() -> tuple[float, float, float, float]:
    cx, cy = _SEAL_CENTRE_MM
    h = _SEAL_MM / 2
    x1, x2 = (cx - h) * PT_PER_MM, (cx + h) * PT_PER_MM
    y1, y2 = (PAGE_H_MM - (cy + h)) * PT_PER_MM, (PAGE_H_MM - (cy - h)) * PT_PER_MM
    return (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))


#: The photo with its frame: (x, y, w, h) in mm, top-left origin; no text enters it.
PHOTO_BOX: tuple[float, float, float, float] = (_PHOTO[0] - 1.2, _PHOTO[1] - 1.2, _PHOTO[2] + 2.4, _PHOTO[3] + 2.4)


def qr_box(modules: int) -> tuple[float, float, float, float]:
    """The QR code of ``modules`` modules a side with its quiet zone: (x, y, w, h) in mm."""
    size = _QR_SYMBOL_MM * (modules + 8) / modules
    return (_QR_X, _QR_Y, size, size)


#: Where the signer places the seal: (x1, y1, x2, y2) in PDF points, lower-left origin.
SEAL_BOX: tuple[float, float, float, float] = _seal_box_pt()


_RED = (155, 27, 30)
_GOLD = (184, 142, 62)
_LABEL = (92, 74, 58)
_GREY = (110, 110, 110)
_RULE = (208, 196, 172)
_PAPER = (255, 253, 247)
_ANNOTATION = (214, 110, 110)  # light red: the fields stay readable under it
_ANNOTATION_ANGLE = 35.0
_ANNOTATION_ACROSS_MM = 220.0

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class PaperOrigin:
    """Where a converted certificate comes from, as printed: the paper certificate's number,
    and who checked the archive evidence on which day."""

    paper_number: str
    verified_by: str
    verified_on: date


@dataclass(frozen=True)
class CertificateView:
    """Everything printed on one certificate (already validated by the caller)."""

    number: str
    token: str
    version: int
    verify_url: str
    name: str
    gender: str
    id_number: str
    employer: str
    series: str
    specialty: str
    level: str
    qualification: str
    grant_route_label: str
    approval_date: date
    approving_body: str
    doc_no: str
    issue_date: date
    office_name: str
    photo: bytes | None = None
    record: dict[str, Any] = field(default_factory=dict)
    # Set on a certificate converted from a paper one: printed as 原纸质证书编号 beside the
    # number and as the provenance note (``provenance_clauses``).
    provenance: PaperOrigin | None = None
    # A use copy's annotation (仅供 … 使用，有效期至 …): printed across the page and on its
    # own line above the footer (``ecert.vocab.use_copies``); None on a certificate.
    annotation: str | None = None


def provenance_clauses(origin: PaperOrigin) -> tuple[str, str, str]:
    """The provenance note in its three clauses (a wrapped note breaks between two of them):
    由纸质证书转换，原证书编号 …，档案材料经 … 于 … 核验."""
    return (
        "由纸质证书转换，",
        f"原证书编号{clean_text(origin.paper_number)}，",
        f"档案材料经{clean_text(origin.verified_by)}于{format_date(origin.verified_on)}核验",
    )


def format_date(d: date) -> str:
    """2025年11月5日 — the form printed on the certificate."""
    return f"{d.year}年{d.month}月{d.day}日"


def clean_text(value: str) -> str:
    """A field value as printed: whitespace runs collapsed to one space, no control chars."""
    text = _WS.sub(" ", str(value)).strip()
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise RenderingError("field value contains control characters")
    return text


def printed_fields(view: CertificateView) -> list[tuple[str, str]]:
    """(label, value) of every field as printed, in page order (tests use it too)."""
    rows = [
        ("姓名", view.name),
        ("性别", view.gender),
        ("身份证号码", view.id_number),
        ("资格名称", view.qualification),
        ("工作单位", view.employer),
        ("系列", view.series),
        ("专业", view.specialty),
        ("层级", view.level),
        ("取得方式", view.grant_route_label),
        ("审批时间", format_date(view.approval_date)),
        ("审批机关", view.approving_body),
        ("文号", view.doc_no),
    ]
    if view.version > 1:
        rows.append(("版本", f"第{view.version}版"))
    rows += [
        ("发证机关", view.office_name),
        ("发证日期", format_date(view.issue_date)),
        ("证书编号", view.number),
    ]
    if view.provenance is not None:
        rows.append((PAPER_NUMBER_LABEL, view.provenance.paper_number))
        rows.append((PROVENANCE_LABEL, "".join(provenance_clauses(view.provenance))))
    return [(label, clean_text(value)) for label, value in rows]


def body_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields printed in the block under the title (the issuing block is printed apart)."""
    return [f for f in fields if f[0] not in _APART]


PAPER_NUMBER_LABEL = "原纸质证书编号"
# Not a label on the page (the note has none): how ``unfit`` and the tests name the note.
PROVENANCE_LABEL = "转换来源"
_APART = frozenset(("发证机关", "发证日期", "证书编号", PAPER_NUMBER_LABEL, PROVENANCE_LABEL))
# The issuing block's values: one line of at most this width (mm), at 11.5 pt or down to the floor.
_ISSUE_VALUE_W = 78.0
_ISSUE_VALUE_PT = 11.5
_ISSUE_VALUE_MIN_PT = 6.5


def _placeholder_photo() -> bytes:
    """A neutral grey head-and-shoulders silhouette, 35×45 aspect."""
    w, h = _PHOTO_PX
    img = Image.new("RGB", (w, h), (232, 232, 232))
    d = ImageDraw.Draw(img)
    grey = (190, 190, 190)
    d.ellipse((w * 0.08, h * 0.62, w * 0.92, h * 1.25), fill=grey)  # shoulders
    d.rectangle((w * 0.40, h * 0.48, w * 0.60, h * 0.68), fill=grey)  # neck
    d.ellipse((w * 0.30, h * 0.17, w * 0.70, h * 0.56), fill=grey)  # head
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


class CertificateRenderer:
    """Builds certificate PDFs; make one per process and reuse it (thread-safe)."""

    def __init__(self, fonts: FontSet | None = None, *, producer: type[OutputProducer] = SubsetOutputProducer) -> None:
        self.fonts = fonts if fonts is not None else default_font_set()
        # fpdf2's stock OutputProducer recompiles every font with fontTools (the tests
        # compare its pages with ours).
        self.producer = producer
        self._placeholder = _placeholder_photo()

    # -- public ---------------------------------------------------------------------------
    def unprintable(self, text: str) -> list[str]:
        """Characters of ``text`` that no font in the chain can print."""
        return self.fonts.missing(text)

    def unfit(self, view: CertificateView) -> list[str]:
        """Labels of the printed fields whose values do not fit their place, even wrapped
        (the provenance note is named ``PROVENANCE_LABEL``)."""
        unfit = [
            label for label, setting in set_fields(body_fields(printed_fields(view)), self._measure) if not setting
        ]
        origin = view.provenance
        if origin is not None:
            paper = clean_text(origin.paper_number)
            if self._measure(paper, _ISSUE_VALUE_MIN_PT) > _ISSUE_VALUE_W:
                unfit.append(PAPER_NUMBER_LABEL)
            if set_note(provenance_clauses(origin), NOTE_W, self._measure) is None:
                unfit.append(PROVENANCE_LABEL)
        return unfit

    def _measure(self, text: str, size: float) -> float:
        return self.fonts.width(text, size) / PT_PER_MM

    def render(self, view: CertificateView) -> bytes:
        """The certificate as unsigned PDF/A-3b bytes."""
        photo = normalize_photo(view.photo) if view.photo is not None else self._placeholder
        try:
            record = json.dumps(view.record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise RenderingError(f"record is not JSON-serialisable: {exc}") from exc
        modules = qr_modules(view.verify_url)
        fields = printed_fields(view)

        now = utc_now().replace(microsecond=0)
        pdf = FPDF(orientation="P", unit="mm", format="A4", enforce_compliance="PDF/A-3B")
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.set_creation_date(now)
        pdf.set_title(f"职称证书 {clean_text(view.number)}")
        pdf.set_subject("专业技术人员职称电子证书")
        pdf.set_author(clean_text(view.office_name))
        pdf.set_creator("ecert")
        pdf.set_producer("ecert (fpdf2)")
        pdf.set_lang("zh-CN")
        pdf.add_page()

        text = TextLayer(self.fonts)
        if view.annotation is not None:  # queued first: the fields' text is printed over it
            self._draw_annotation(text, clean_text(view.annotation))
        self._draw_frame(pdf, text)
        self._draw_fields(pdf, text, fields, view)
        self._draw_photo(pdf, photo)
        self._draw_bottom(pdf, text, view, modules)
        text.flush(pdf)

        pdf.embed_file(
            bytes=record.encode("utf-8"),
            basename="certificate.json",
            mime_type="application/json",
            associated_file_relationship="Data",
            modification_date=now,
            desc="证书机器可读记录 (machine-readable certificate record)",
            compress=True,
        )
        try:
            return bytes(pdf.output(output_producer_class=self.producer))
        except Exception as exc:
            raise RenderingError(f"PDF output failed: {type(exc).__name__}: {exc}") from exc

    # -- parts ----------------------------------------------------------------------------
    def _draw_annotation(self, text: TextLayer, annotation: str) -> None:
        # Across the page, so that no part of the copy can be cut out without it, and once
        # more level above the footer, where it reads (and extracts) as one line.
        line = f"加注件：{annotation}"
        across = text.fit(line, 18.0, _ANNOTATION_ACROSS_MM, 7.0, "annotation")
        text.add(PAGE_W_MM / 2, PAGE_H_MM / 2, line, across, _ANNOTATION, align="C", angle=_ANNOTATION_ANGLE)
        level = text.fit(line, 10.5, 170.0, 6.0, "annotation")
        text.add(PAGE_W_MM / 2, PAGE_H_MM - 25.0, line, level, _RED, align="C")

    def _draw_frame(self, pdf: FPDF, text: TextLayer) -> None:
        m = _MARGIN_OUTER
        pdf.set_fill_color(*_PAPER)
        pdf.rect(0, 0, PAGE_W_MM, PAGE_H_MM, style="F")
        # Outer thick red frame, thin gold line inside it, thin red line further in.
        pdf.set_draw_color(*_RED)
        pdf.set_line_width(1.4)
        pdf.rect(m, m, PAGE_W_MM - 2 * m, PAGE_H_MM - 2 * m)
        pdf.set_draw_color(*_GOLD)
        pdf.set_line_width(0.45)
        g = m + 2.2
        pdf.rect(g, g, PAGE_W_MM - 2 * g, PAGE_H_MM - 2 * g)
        pdf.set_draw_color(*_RED)
        pdf.set_line_width(0.25)
        r = m + 3.6
        pdf.rect(r, r, PAGE_W_MM - 2 * r, PAGE_H_MM - 2 * r)
        # Corner ornaments: a gold square frame with a red lozenge, at each inner corner.
        s = 7.0
        for cx, cy in ((r, r), (PAGE_W_MM - r, r), (r, PAGE_H_MM - r), (PAGE_W_MM - r, PAGE_H_MM - r)):
            pdf.set_fill_color(*_PAPER)
            pdf.set_draw_color(*_GOLD)
            pdf.set_line_width(0.45)
            pdf.rect(cx - s / 2, cy - s / 2, s, s, style="DF")
            pdf.set_fill_color(*_RED)
            d = s * 0.3
            pdf.polygon([(cx, cy - d), (cx + d, cy), (cx, cy + d), (cx - d, cy)], style="F")
        # Title with wide letter spacing, subtitle, ornamental rule.
        title = "职称证书"
        size = 34.0
        widths = [text.width(ch, size, bold=True) for ch in title]
        gap = 9.0
        x = (PAGE_W_MM - sum(widths) - gap * (len(title) - 1)) / 2
        for ch, w in zip(title, widths, strict=True):
            text.add(x, 39.0, ch, size, _RED, bold=True)
            x += w + gap
        text.add(PAGE_W_MM / 2, 49.5, "专业技术人员职称电子证书", 13.0, _LABEL, align="C")
        y = 55.0
        pdf.set_draw_color(*_GOLD)
        pdf.set_line_width(0.35)
        pdf.line(48, y, PAGE_W_MM / 2 - 5, y)
        pdf.line(PAGE_W_MM / 2 + 5, y, PAGE_W_MM - 48, y)
        pdf.set_fill_color(*_RED)
        cx = PAGE_W_MM / 2
        pdf.polygon([(cx, y - 1.8), (cx + 2.2, y), (cx, y + 1.8), (cx - 2.2, y)], style="F")

    def _draw_fields(self, pdf: FPDF, text: TextLayer, fields: list[tuple[str, str]], view: CertificateView) -> None:
        body = body_fields(fields)
        y = ROW0_Y
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.2)
        for i, ((label, value), (_, setting)) in enumerate(zip(body, set_fields(body, self._measure), strict=True)):
            if setting is None:  # validation refuses such a row; this guards the other callers
                raise RenderingError(f"{label} is too long to print even on two lines ({len(value)} characters)")
            text.spaced(_LABEL_X, y, label, 11.0, _LABEL_W, _LABEL)
            text.add(_LABEL_X + _LABEL_W + 0.6, y, "：", 11.0, _LABEL)
            for line, baseline in zip(setting.lines, setting.baselines(y), strict=True):
                text.add(_VALUE_X, baseline, line, setting.size, INK)
            rule = setting.rule_y(y)
            pdf.line(_VALUE_X - 1, rule, _VALUE_X + value_width(i) + 1, rule)
            y += ROW_STEP

    def _draw_photo(self, pdf: FPDF, jpeg: bytes) -> None:
        x, y, w, h = _PHOTO
        pdf.set_draw_color(*_GOLD)
        pdf.set_line_width(0.4)
        pdf.rect(x - 1.2, y - 1.2, w + 2.4, h + 2.4)
        pdf.image(io.BytesIO(jpeg), x=x, y=y, w=w, h=h)

    def _draw_bottom(self, pdf: FPDF, text: TextLayer, view: CertificateView, modules: list[list[bool]]) -> None:
        _, qy, size, _ = qr_box(len(modules))
        if view.provenance is not None:
            self._draw_provenance(pdf, text, view.provenance)
        draw_qr(pdf, modules, _QR_X, qy, size)
        cx = _QR_X + size / 2
        text.add(cx, qy + size + 4.5, "扫码验证", 10.5, _LABEL, align="C")
        # Printed for people to type: without the signed claim (``?c=``), which is for scanners.
        url = clean_text(view.verify_url.split("?", 1)[0])
        usize = text.fit(url, 7.0, 100.0, 5.0, "verify URL")
        text.add(_QR_X + 2.0, qy + size + 9.5, url, usize, _GREY)

        # Issuing block (right): the number above the seal, office and date under it.
        number_y = _NUMBER_Y if view.provenance is None else _NUMBER_Y_CONVERTED
        rows = [
            (number_y, "证书编号", clean_text(view.number)),
            (_ISSUE_Y0, "发证机关", clean_text(view.office_name)),
            (_ISSUE_Y0 + _ISSUE_STEP, "发证日期", format_date(view.issue_date)),
        ]
        if view.provenance is not None:
            rows.insert(1, (_PAPER_NUMBER_Y, PAPER_NUMBER_LABEL, clean_text(view.provenance.paper_number)))
        for y, label, value in rows:
            vsize = text.fit(value, _ISSUE_VALUE_PT, _ISSUE_VALUE_W, _ISSUE_VALUE_MIN_PT, label)
            x_value = _ISSUE_BLOCK_RIGHT - text.width(value, vsize)
            text.add(x_value - 0.5, y, label + "：", 11.0, _LABEL, align="R")
            text.add(x_value, y, value, vsize, INK)
        text.add(
            PAGE_W_MM / 2,
            PAGE_H_MM - 19.0,
            "本证书为电子证书，已加数字签名；可扫描二维码或访问验证网址核验真伪。",
            8.0,
            _GREY,
            align="C",
        )

    def _draw_provenance(self, pdf: FPDF, text: TextLayer, origin: PaperOrigin) -> None:
        # Calm, like a registrar's note: a small red lozenge, then the note in the labels'
        # brown across the field block's width, on one line or two.
        setting = set_note(provenance_clauses(origin), NOTE_W, self._measure)
        if setting is None:  # validation refuses it; this guards the other callers
            raise RenderingError("the provenance note is too long to print even on two lines")
        # Two lines a little apart, so that even their fonts' full boxes (what text
        # extraction reports) do not touch: 1.46 em from baseline to baseline.
        first = _NOTE_Y if len(setting.lines) == 1 else _NOTE_Y - 2.0
        baselines = [first + i * _NOTE_PITCH * setting.size / PT_PER_MM for i in range(len(setting.lines))]
        d = 1.1
        cx, cy = _LABEL_X - 3.2, baselines[0] - setting.size / PT_PER_MM * 0.36
        pdf.set_fill_color(*_RED)
        pdf.polygon([(cx, cy - d), (cx + d, cy), (cx, cy + d), (cx - d, cy)], style="F")
        for line, baseline in zip(setting.lines, baselines, strict=True):
            text.add(_LABEL_X, baseline, line, setting.size, _LABEL)
