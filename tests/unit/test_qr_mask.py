"""The QR mask chosen with numpy is segno's, symbol for symbol, and the symbol is drawn
with exactly the operators fpdf2's rect() wrote for it."""

from __future__ import annotations

import random

import numpy as np
import pytest
import segno
from fpdf import FPDF
from segno import encoder as segno_encoder

from issuer import RenderingError
from issuer.rendering.qr import MAX_VERSION, draw_qr, qr_modules, qr_segments, qr_version
from issuer.rendering.qr_mask import _patterns, best_masked

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _urls(count: int) -> list[str]:
    """Verification URLs as we print them (token, signed claim) and arbitrary text of every
    length up to version 10, upper and lower case: each falls on its own mask."""
    rng = random.Random(11)
    urls = []
    for index in range(count):
        token = "".join(rng.choice(BASE32) for _ in range(26))
        kind = index % 4
        if kind == 0:
            urls.append(f"http://127.0.0.1:8000/v/{token}")
        elif kind == 1:
            claim = "".join(rng.choice(BASE32 + "-.") for _ in range(rng.randrange(10, 140)))
            urls.append(f"https://zhicheng.example.gov.cn/v/{token}?c={claim}")
        elif kind == 2:
            urls.append(
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789/:.?=-") for _ in range(rng.randrange(1, 200)))
            )
        else:
            urls.append("".join(rng.choice(BASE32 + " $%*+-./:") for _ in range(rng.randrange(1, 300))))
    return urls


def _segno(url: str) -> segno.QRCode:
    return segno.make([(part, None) for part in qr_segments(url)], error="m", boost_error=False, micro=False)  # type: ignore[arg-type]


def test_the_mask_patterns_are_segnos() -> None:
    for n in (21, 45, 57):
        i, j = np.indices((n, n))
        for ours, theirs in zip(_patterns(n), segno_encoder.get_data_mask_functions(False), strict=True):
            assert (ours == np.vectorize(theirs)(i, j)).all()


def test_the_symbol_is_segnos_own_for_every_mask_and_version() -> None:
    masks, versions = set(), set()
    for url in _urls(240):
        expected = _segno(url)
        assert qr_modules(url) == [[bool(v) for v in row] for row in expected.matrix], url
        assert qr_version(url) == expected.version
        masks.add(expected.mask)
        versions.add(expected.version)
    assert masks == set(range(8))
    assert versions >= set(range(1, 11))


@pytest.mark.parametrize("length", [180, 2000, 8000])
def test_a_url_too_long_for_version_10_is_refused_alike(length: int) -> None:
    prefix = "https://zhicheng.example.gov.cn/v/"  # lower case: byte mode, 213 characters fit version 10
    assert qr_version(prefix + "k" * 179) == MAX_VERSION
    for make in (qr_version, qr_modules):
        with pytest.raises(RenderingError, match="QR code: URL"):
            make(prefix + "k" * length)


def test_best_masked_wants_a_symbol_made_with_mask_0() -> None:
    with pytest.raises(ValueError, match="mask=0"):
        best_masked(segno.make("HELLO", error="m", mask=3, micro=False))


@pytest.mark.parametrize("url", _urls(8))
def test_the_page_gets_the_operators_rect_wrote(url: str) -> None:
    modules = qr_modules(url)
    n, quiet = len(modules), 4
    ours, theirs = (FPDF(unit="mm", format="A4") for _ in range(2))
    for pdf in (ours, theirs):
        pdf.add_page()
    size = 27.0 * (n + 8) / n
    draw_qr(ours, modules, 25.0, 212.0, size)
    # What draw_qr did before: the light square, then one rect() per run of dark modules.
    module = size / (n + 2 * quiet)
    theirs.set_fill_color(255, 255, 255)
    theirs.rect(25.0, 212.0, size, size, style="F")
    theirs.set_fill_color(0, 0, 0)
    ox, oy = 25.0 + quiet * module, 212.0 + quiet * module
    for r, row in enumerate(modules):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                theirs.rect(ox + start * module, oy + r * module, (c - start) * module, module, style="F")
            else:
                c += 1
    assert bytes(ours.pages[1].contents) == bytes(theirs.pages[1].contents)
