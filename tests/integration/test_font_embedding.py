"""The HarfBuzz subsets embedded as they are print and extract exactly as fpdf2's own
fontTools recompilation of them did: same raster, same text layer, same fonts."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from fpdf.output import OutputProducer
from PIL import Image, ImageChops

from issuer.rendering.layout import CertificateRenderer
from tests.integration.test_rendering import RARE_NAME, _photo_png, _view

ANNOTATION = "仅供重庆市人力资源和社会保障局职称评审使用，有效期至2027年1月31日"


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _fonts(path: Path) -> list[list[str]]:
    """pdffonts' rows without the object numbers: name, type, encoding, emb, sub, uni."""
    return [line.split()[:-2] for line in _run("pdffonts", str(path)).splitlines()[2:]]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same use copy with a rare name, rendered by fpdf2's stock output and by ours."""
    view = replace(_view(photo=_photo_png(exif=False)), annotation=ANNOTATION)
    folder = tmp_path_factory.mktemp("embedding")
    stock, ours = folder / "stock.pdf", folder / "ours.pdf"
    stock.write_bytes(CertificateRenderer(producer=OutputProducer).render(view))
    ours.write_bytes(CertificateRenderer().render(view))
    return stock, ours


def test_the_page_rasters_pixel_for_pixel_as_before(pair: tuple[Path, Path]) -> None:
    images = []
    for path in pair:
        _run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(path.with_suffix("")))
        images.append(Image.open(path.with_suffix(".png")).convert("RGB"))
    assert images[0].size == images[1].size
    assert ImageChops.difference(*images).getbbox() is None


@pytest.mark.parametrize("mode", ["-raw", "-layout"])
def test_the_text_layer_extracts_as_before(pair: tuple[Path, Path], mode: str) -> None:
    stock, ours = (_run("pdftotext", mode, "-enc", "UTF-8", str(path), "-") for path in pair)
    assert ours == stock
    assert "张" + RARE_NAME in ours and "加注件：" + ANNOTATION in ours.replace(" ", "")


def test_every_font_is_the_same_embedded_subset(pair: tuple[Path, Path]) -> None:
    stock, ours = (_fonts(path) for path in pair)
    assert ours == stock
    assert {row[0] for row in ours} == {
        "MPDFAA+NotoSerifCJKSC",
        "MPDFAA+NotoSerifCJKSCBold",
        "MPDFAA+HanaMinA",
        "MPDFAA+HanaMinB",
    }
    assert all(row[-3:] == ["yes", "yes", "yes"] for row in ours)


def test_the_embedded_programs_are_the_harfbuzz_subsets(pair: tuple[Path, Path]) -> None:
    # CFF as a bare CFF table, TrueType whole; each a few KB: only the glyphs used.
    with pikepdf.open(pair[1]) as pdf:
        files = {}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                key = next(k for k in ("/FontFile2", "/FontFile3") if k in obj)
                files[str(obj.FontName)] = (key, obj[key].read_bytes())
    assert {name: key for name, (key, _) in files.items()} == {
        "/MPDFAA+NotoSerifCJKSC": "/FontFile3",
        "/MPDFAA+NotoSerifCJKSCBold": "/FontFile3",
        "/MPDFAA+HanaMinA": "/FontFile2",
        "/MPDFAA+HanaMinB": "/FontFile2",
    }
    for key, data in files.values():
        assert len(data) < 60_000
        assert data[:4] == b"\x00\x01\x00\x00" if key == "/FontFile2" else data[0] == 1  # sfnt / CFF major 1
