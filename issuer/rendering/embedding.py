"""Embedding the HarfBuzz subsets into the PDF as they are.

fpdf2's own font output (``OutputProducer._add_fonts``) runs a full fontTools
subset-and-recompile of every font at ``output()``: ~75% of the render time, for fonts that
HarfBuzz has already cut down to the glyphs used (:meth:`issuer.rendering.fonts.LoadedFont.subset`).
:class:`SubsetFont` keeps the HarfBuzz program beside fpdf2's parse of it (which text
encoding, widths and the font descriptor still use), and :class:`SubsetOutputProducer`
writes those fonts' PDF objects the way fpdf2 2.8.9 does — Type0 font, CIDFont with its
widths, ToUnicode CMap, the encoding CMap (CFF) or CIDToGIDMap (TrueType), descriptor —
with the HarfBuzz program as the font file instead of a recompiled one: a CFF font's
``CFF `` table byte for byte (``/FontFile3 /CIDFontType0C``), a TrueType font whole
(``/FontFile2``).  The glyph ids and CIDs the objects name come from the same parse of
the same bytes, so they agree with the program.  Other fonts go through fpdf2 unchanged.

fpdf2 is pinned (``fpdf2==2.8.9`` in pyproject.toml); a new version must be checked
against this copy of its font objects (tests/integration/test_font_embedding.py compares
the raster, the text layer and the fonts with fpdf2's stock output).  PDF/A-1, which wants
a CIDSet, goes through fpdf2's own font output.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from fpdf.fonts import TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFContentStream,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _cid_font_widths,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFString, Raw

from issuer import RenderingError

if TYPE_CHECKING:  # pragma: no cover
    from fpdf import FPDF

_TO_UNICODE = (
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    "{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
)
_ENCODING = (
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo\n<</Registry ({registry})\n/Ordering ({ordering})\n/Supplement {supplement}\n>> def\n"
    "/CMapName /{registry}-{ordering}-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    "{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
)


class SubsetFont(TTFFont):
    """fpdf2's font, parsed from a HarfBuzz subset whose bytes are embedded unchanged."""

    __slots__ = ("program",)

    def __init__(self, pdf: FPDF, program: bytes, fontkey: str) -> None:
        super().__init__(pdf, io.BytesIO(program), fontkey, "")  # type: ignore[arg-type]
        self.program = program
        # Only fpdf2's stock output recompiles the font (the tests compare it with ours): as
        # before, keep the per-glyph boxes HarfBuzz wrote rather than recomputing them.
        self.ttfont.recalcBBoxes = False
        if self.is_cff and not (self.is_cid_keyed and "CFF " in self.ttfont):
            raise RenderingError(f"font {fontkey}: only CID-keyed CFF or TrueType outlines are embedded")


def _utf16_hex(codepoint: int) -> str:
    if codepoint > 0xFFFF:  # a surrogate pair, as ToUnicode wants for characters beyond the BMP
        high = 0xD800 | (codepoint - 0x10000) >> 10
        low = 0xDC00 | (codepoint & 0x3FF)
        return f"{high:04X}{low:04X}"
    return f"{codepoint:04X}"


class SubsetOutputProducer(OutputProducer):
    """fpdf2's producer, writing :class:`SubsetFont` fonts without recompiling them.

    Use as ``pdf.output(output_producer_class=SubsetOutputProducer)``.
    """

    def _add_fonts(self, *args: Any) -> Any:
        compliance = self.fpdf._compliance
        if compliance is not None and compliance.profile == "PDFA" and compliance.part == 1:
            return super()._add_fonts(*args)  # PDF/A-1 wants a CIDSet, which only fpdf2 writes
        fonts = self.fpdf.fonts
        everything = dict(fonts)
        ours = sorted((f for f in everything.values() if isinstance(f, SubsetFont)), key=lambda f: f.i)
        for key in [key for key, f in everything.items() if isinstance(f, SubsetFont)]:
            del fonts[key]  # fpdf2 writes the others
        try:
            objects = super()._add_fonts(*args)
        finally:
            fonts.clear()
            fonts.update(everything)
        for font in ours:
            objects[font.i] = self._add_subset_font(font)
        return objects

    def _add_subset_font(self, font: SubsetFont) -> PDFFont:
        if font.missing_glyphs:  # the font chain chose this font because it has the character
            raise RenderingError(f"font {font.fontkey} lacks U+{font.missing_glyphs[0]:04X}")
        fontname = f"MPDFAA+{font.name}"
        glyphs = [(glyph, code) for glyph, code in font.subset.items() if glyph is not None]

        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")

        cff = font.is_cff
        code_to_cid: dict[int, int] = {}
        if cff:
            widths: dict[int, int] = {}
            for glyph, code in glyphs:
                name = glyph.glyph_name
                cid = int(name[3:]) if name.startswith("cid") and name[3:].isdigit() else glyph.glyph_id
                if cid > 0xFFFF:
                    raise RenderingError(f"font {font.fontkey}: CID {cid} does not fit a 2-byte CID font")
                code_to_cid[code] = cid
                widths[cid] = glyph.glyph_width
            w = _cid_font_widths(widths) if widths else _tt_font_widths(font)
        else:
            w = _tt_font_widths(font)
        cid_font = PDFFont(
            subtype="CIDFontType0" if cff else "CIDFontType2",
            base_font=fontname,
            d_w=font.desc.missing_width,
            w=w,
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        # ToUnicode: what text extraction reads for each code (the whole character, a
        # surrogate pair beyond the BMP: Extension B names extract exactly).
        bfchar = [
            f"<{code:04X}> <{''.join(_utf16_hex(u) for u in glyph.unicode)}>\n"
            for glyph, code in glyphs
            if isinstance(glyph.unicode, tuple) and glyph.unicode
        ]
        to_unicode = PDFContentStream(_TO_UNICODE.format(blocks=_build_cmap_blocks(bfchar, "bfchar")).encode("latin-1"))
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode

        registry, ordering, supplement = font.cff_ros if cff and font.cff_ros else ("Adobe", "Identity", 0)
        if cff and code_to_cid:
            mapping = [f"<{code:04X}> {cid}\n" for code, cid in sorted(code_to_cid.items())]
            text = _ENCODING.format(
                registry=registry,
                ordering=ordering,
                supplement=supplement,
                blocks=_build_cmap_blocks(mapping, "cidchar"),
            )
            encoding = PDFContentStream(text.encode("latin-1"))
            encoding.type = Name("CMap")  # type: ignore[attr-defined]
            encoding.c_map_name = Name(f"{registry}-{ordering}-UCS")  # type: ignore[attr-defined]
            encoding.c_i_d_system_info = Raw(  # type: ignore[attr-defined]
                f"<< /Registry ({registry}) /Ordering ({ordering}) /Supplement {supplement} >>"
            )
            self._add_pdf_obj(encoding, "fonts")
            composite.encoding = encoding  # type: ignore[assignment]

        system_info = CIDSystemInfo()
        if cff and font.cff_ros:
            system_info.registry = PDFString(registry, encrypt=True)
            system_info.ordering = PDFString(ordering, encrypt=True)
            system_info.supplement = supplement
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        if cff:
            program = font.ttfont.reader["CFF "]  # the table's bytes as HarfBuzz wrote them
            font_file = PDFFontStream(contents=program)
            font_file.subtype = Name("CIDFontType0C")  # type: ignore[attr-defined]
            self._add_pdf_obj(font_file, "fonts")
            descriptor.font_file3 = font_file  # type: ignore[attr-defined]
        else:
            cid_to_gid = bytearray(2 * 65536)
            for glyph, code in glyphs:
                gid = font.ttfont.getGlyphID(glyph.glyph_name)
                cid_to_gid[2 * code] = gid >> 8
                cid_to_gid[2 * code + 1] = gid & 0xFF
            gid_map = PDFContentStream(contents=bytes(cid_to_gid), compress=True)
            self._add_pdf_obj(gid_map, "fonts")
            cid_font.c_i_d_to_g_i_d_map = gid_map
            font_file = PDFFontStream(contents=font.program)
            self._add_pdf_obj(font_file, "fonts")
            descriptor.font_file2 = font_file  # type: ignore[attr-defined]

        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite
