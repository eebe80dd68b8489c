"""The certificate PDF, checked with real tools: poppler, qpdf, pikepdf, zxing-cpp, pyzbar."""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from issuer import RenderingError
from issuer.rendering.fonts import FontSpec, LoadedFont
from issuer.rendering.layout import (
    SEAL_BOX,
    CertificateRenderer,
    CertificateView,
    PaperOrigin,
    format_date,
    normalize_photo,
    printed_fields,
)
from issuer.rendering.qr import qr_modules
from issuer.signing.seal import make_seal_png

TOKEN = "K7Q2M4X9TB3ZHRW5NPD6FJ8CYA"  # 26 characters of base32
URL = f"http://127.0.0.1:8000/v/{TOKEN}"
RARE_NAME = "㐀䶮𠇔𡒄𪚥"  # Ext-A U+3400 U+4DAE; Ext-B U+201D4 U+21484 (HanaMinB only) U+2A6A5
LONG_EMPLOYER = "重庆市大足区人民医院（重庆医科大学附属大足医院）心血管内科住院部护理单元办公室"


def _view(**changes: object) -> CertificateView:
    view = CertificateView(
        number="500111-2025-G-000123-7",
        token=TOKEN,
        version=1,
        verify_url=URL,
        name="张" + RARE_NAME,
        gender="女",
        id_number="50011119850312402X",
        employer=LONG_EMPLOYER,
        series="卫生",
        specialty="临床医学（内科）",
        level="副高级",
        qualification="副主任医师",
        grant_route_label="评审",
        approval_date=date(2025, 10, 20),
        approving_body="重庆市卫生系列高级专业技术职务任职资格评审委员会",
        doc_no="渝人社发〔2025〕25号",
        issue_date=date(2025, 11, 15),
        office_name="重庆市大足区职称改革办公室",
        photo=None,
        record={"number": "500111-2025-G-000123-7", "name": "张" + RARE_NAME, "version": 1, "ok": True},
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def _photo_png(exif: bool = True) -> bytes:
    img = Image.new("RGB", (300, 400), (70, 110, 160))
    img.paste((230, 200, 170), (100, 80, 200, 220))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCameraMaker"  # Make
        ex[0x0131] = "TrackingSoftware"  # Software
        kwargs["exif"] = ex.tobytes()
    img.save(out, format="PNG", **kwargs)
    return out.getvalue()


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


@pytest.fixture(scope="module")
def view() -> CertificateView:
    return _view(photo=_photo_png(exif=True))


@pytest.fixture(scope="module")
def pdf_path(renderer: CertificateRenderer, view: CertificateView, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cert") / "certificate.pdf"
    path.write_bytes(renderer.render(view))
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def test_one_a4_page(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 1
        box = [float(v) for v in pdf.pages[0].mediabox]
    assert box[0] == 0 and box[1] == 0
    assert box[2] == pytest.approx(595.28, abs=0.01) and box[3] == pytest.approx(841.89, abs=0.01)


def test_every_font_embedded_and_subset(pdf_path: Path) -> None:
    lines = _run("pdffonts", str(pdf_path)).splitlines()[2:]
    assert len(lines) >= 2  # Noto Serif plus HanaMin for the rare characters at least
    for line in lines:
        cols = line.split()
        emb, sub, uni = cols[-5], cols[-4], cols[-3]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line
        assert re.match(r"^[A-Z]{6}\+", cols[0]), line
    names = " ".join(lines)
    assert "HanaMinB" in names  # U+21484 exists only there


def test_text_layer_has_every_value_exactly(pdf_path: Path, view: CertificateView) -> None:
    raw = _run("pdftotext", "-raw", "-enc", "UTF-8", str(pdf_path), "-")
    joined = raw.replace("\n", "")  # a long value wraps onto a second line
    for label, value in printed_fields(view):
        assert value in joined, f"{label}: {value!r} not found"
    for expected in (view.name, RARE_NAME, LONG_EMPLOYER, view.id_number, view.number, view.doc_no, URL):
        assert expected in joined
    assert format_date(view.issue_date) == "2025年11月15日" and "2025年11月15日" in raw
    assert "版本" not in raw and "由纸质证书转换" not in raw
    layout = _run("pdftotext", "-layout", "-enc", "UTF-8", str(pdf_path), "-")
    assert view.name in layout and "职称证书" in layout.replace(" ", "")


def test_version_and_converted_lines(renderer: CertificateRenderer, tmp_path: Path) -> None:
    path = tmp_path / "v3.pdf"
    origin = PaperOrigin("渝卫高字第0012号", "重庆市大足区人事档案管理中心", date(2026, 11, 10))
    path.write_bytes(renderer.render(_view(version=3, provenance=origin, name="王𠇔")))
    raw = _run("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-")
    assert "第3版" in raw and "由纸质证书转换" in raw and "王𠇔" in raw
    joined = raw.replace("\n", "")
    assert "原纸质证书编号：渝卫高字第0012号" in joined
    assert "原证书编号渝卫高字第0012号，档案材料经重庆市大足区人事档案管理中心于2026年11月10日核验" in joined


def test_qr_decodes_at_150_dpi_with_zxing_and_zbar(pdf_path: Path, tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    pyzbar = pytest.importorskip("pyzbar.pyzbar")
    _run("pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(tmp_path / "page"))
    image = Image.open(tmp_path / "page.png").convert("RGB")
    assert [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)] == [URL]
    assert [d.data.decode() for d in pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])] == [URL]


def test_qr_stays_at_level_m_and_small_version() -> None:
    import segno

    long_url = "https://zhicheng.dazu.example.gov.cn/verify/" + "k" * 136
    assert len(long_url) >= 180
    code = segno.make(long_url, error="m", boost_error=False)
    version = int(code.version)
    assert code.error == "M" and version <= 10
    assert len(qr_modules(long_url)) == 17 + 4 * version
    assert len(qr_modules(URL)) <= 17 + 4 * 4


def test_embedded_record_reads_back(pdf_path: Path, view: CertificateView) -> None:
    with pikepdf.open(pdf_path) as pdf:
        spec = pdf.attachments["certificate.json"]
        data = spec.get_file().read_bytes()
        assert spec.obj.AFRelationship == pikepdf.Name.Data
        assert pdf.Root.AF[0].objgen == spec.obj.objgen
    assert json.loads(data.decode("utf-8")) == view.record


def _walk(obj: object, seen: set[tuple[int, int]]) -> list[pikepdf.Dictionary]:
    """Every dictionary (and stream dictionary) reachable from obj."""
    out: list[pikepdf.Dictionary] = []
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)):
            if o.is_indirect:
                if o.objgen in seen:
                    continue
                seen.add(o.objgen)
            if isinstance(o, pikepdf.Array):
                stack.extend(o)
            else:
                out.append(o)  # type: ignore[arg-type]
                stack.extend(o.values())  # type: ignore[union-attr]
    return out


def test_pdfa_3b(pdf_path: Path, tmp_path: Path) -> None:
    # qpdf: structure and streams clean.
    subprocess.run(["qpdf", "--check", str(pdf_path)], check=True, capture_output=True, timeout=60)
    with pikepdf.open(pdf_path) as pdf:
        assert not pdf.is_encrypted
        assert pdf.pdf_version <= "1.7"
        # XMP identification.
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        # sRGB output intent.
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        icc = intent.DestOutputProfile
        assert int(icc.N) == 3 and b"sRGB" in icc.read_bytes()[:1024]
        # A plain destination, no action that runs anything.
        assert isinstance(pdf.Root.OpenAction, pikepdf.Array)
        dicts = _walk(pdf.Root, set())
        for d in dicts:
            assert d.get("/Interpolate") is not True
            for key in ("/JS", "/JavaScript", "/AA", "/Launch"):
                assert key not in d, key
            if d.get("/Type") == pikepdf.Name.FontDescriptor:
                assert any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")), d.get("/FontName")
            if d.get("/Subtype") == pikepdf.Name.Image:
                assert d.get("/BitsPerComponent") == 8 and d.get("/ColorSpace") != pikepdf.Name.DeviceCMYK
        assert sum(1 for d in dicts if d.get("/Type") == pikepdf.Name.FontDescriptor) >= 2

        # pikepdf's allowlist PDF/A validator (pip install 'pikepdf[pdfa]'); it does not
        # know attachments or /OpenAction yet, so check the file without them (those two
        # are checked above).
        try:
            import pikepdf.pdfa as pdfa
        except ImportError:
            pytest.skip("pikepdf[pdfa] extras (jsonschema, referencing) not installed")
        del pdf.Root.OpenAction
        del pdf.Root.AF
        del pdf.Root.Names.EmbeddedFiles
        stripped = tmp_path / "stripped.pdf"
        pdf.save(stripped)
    report = pdfa.validate_written(stripped, "3b")
    assert report.passed, [str(f) for f in report.findings]


def test_photo_png_exif_is_dropped(pdf_path: Path) -> None:
    jpeg = normalize_photo(_photo_png(exif=True))
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG" and img.mode == "RGB"
    assert not img.getexif() and b"SecretCameraMaker" not in jpeg and b"Exif" not in jpeg
    with pikepdf.open(pdf_path) as pdf:
        images = list(pdf.pages[0].get_images().values())
        assert images
        for im in images:
            raw = im.read_raw_bytes()
            assert b"Exif" not in raw and b"SecretCameraMaker" not in raw


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", _photo_png()[:200], b"GIF89a" + b"\x00" * 100],
    ids=["empty", "junk", "truncated-png", "gif"],
)
def test_bad_photo_raises(renderer: CertificateRenderer, data: bytes) -> None:
    with pytest.raises(RenderingError, match="photo"):
        renderer.render(_view(photo=data))


def test_decompression_bomb_rejected() -> None:
    img = Image.new("1", (10_000, 10_000))  # 100 megapixels, compresses to a few KB
    out = io.BytesIO()
    img.save(out, format="PNG")
    with pytest.raises(RenderingError, match="photo"):
        normalize_photo(out.getvalue())


def test_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RenderingError, match="not found; install Debian package fonts-noto-cjk"):
        LoadedFont(FontSpec("x", tmp_path / "NotoSerifCJK-Regular.ttc", 2, "fonts-noto-cjk"))


def test_character_in_no_font_is_an_error(renderer: CertificateRenderer) -> None:
    with pytest.raises(RenderingError, match="U\\+10FFFD"):
        renderer.render(_view(name="张\U0010fffd"))


def test_seal_png_and_box() -> None:
    png = make_seal_png("重庆市大足区职称改革办公室")
    assert make_seal_png("重庆市大足区职称改革办公室") is png  # cached
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == "RGBA" and img.size == (300, 300)
    rgba = img.convert("RGBA")
    assert 5_000 < len(png) < 45_000
    corner = rgba.getpixel((2, 2))
    assert isinstance(corner, tuple) and corner[3] == 0  # transparent corner
    star = rgba.getpixel((150, 150))
    assert isinstance(star, tuple)
    r, g, b, a = star
    assert r > 180 and g < 60 and b < 60 and 150 < a < 255
    x1, y1, x2, y2 = SEAL_BOX
    assert 0 < x1 < x2 < 595.28 and 0 < y1 < y2 < 841.89
    assert 110 <= x2 - x1 <= 130 and x2 - x1 == pytest.approx(y2 - y1, abs=0.05)


def _claim_urls_by_mask() -> dict[int, str]:
    """A verification URL with a signed claim for each of the eight masks (versions 5–10)."""
    import random

    import segno

    from issuer.rendering.qr import qr_segments

    rng = random.Random(5)
    found: dict[int, str] = {}
    while len(found) < 8:
        claim = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-.") for _ in range(rng.randrange(20, 140)))
        url = f"https://zhicheng.dazu.example.gov.cn/v/{TOKEN}?c={claim}"
        code = segno.make([(part, None) for part in qr_segments(url)], error="m", boost_error=False, micro=False)  # type: ignore[arg-type]
        found.setdefault(int(code.mask), url)
    return found


@pytest.mark.parametrize(("mask", "url"), sorted(_claim_urls_by_mask().items()))
def test_qr_decodes_from_the_page_whichever_mask_it_has(
    renderer: CertificateRenderer, tmp_path: Path, mask: int, url: str
) -> None:
    del mask  # the test's id: the eight cases differ in the mask segno (and qr_modules) chose
    pyzbar = pytest.importorskip("pyzbar.pyzbar")
    zxingcpp = pytest.importorskip("zxingcpp")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(renderer.render(_view(verify_url=url)))
    _run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    image = Image.open(tmp_path / "page.png").convert("RGB")
    assert [d.data.decode() for d in pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])] == [url]
    assert [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)] == [url]
