"""CJK fonts for certificates: a fallback chain parsed once, subset per document.

The chain is Noto Serif CJK SC (``NotoSerifCJK-Regular.ttc``, face 2) → HanaMinA →
HanaMinB.  Noto covers all basic CJK and Extension A and ~2,100 Extension B characters;
HanaMinB adds ~42,700 Extension B characters and most of C–F (U+21484 exists only there).
Noto Serif CJK SC Bold is used for headings only.

Cost model (see /work/shared/NOTES.md "Rendering Chinese PDFs"): the fonts are opened
ONCE per process as HarfBuzz faces (``FontSet`` — use :func:`default_font_set` for the
process-wide instance); per document only the glyphs actually used are cut out with
``hb.subset`` (~1–4 ms per font) and embedded as it is (:mod:`issuer.rendering.embedding`),
never parsed again nor recompiled by fpdf2's own fontTools pass.

Font locations default to the Debian packages ``fonts-noto-cjk`` and ``fonts-hanazono``;
override them with constructor arguments or, for :func:`default_font_set`, with the
environment variables ``ECERT_FONT_SERIF``, ``ECERT_FONT_SERIF_BOLD``,
``ECERT_FONT_HANAMIN_A`` and ``ECERT_FONT_HANAMIN_B`` (``path`` or ``path#index``).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import uharfbuzz as hb

from issuer import RenderingError

if TYPE_CHECKING:  # pragma: no cover
    from fpdf import FPDF

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
HANAZONO_DIR = Path("/usr/share/fonts/truetype/hanazono")
_SUBSETS_KEPT = 16  # per face: the last subsets made, a few KB to ~40 KB each


@dataclass(frozen=True)
class FontSpec:
    """Where a font lives on disk and which Debian package provides it."""

    key: str  # fpdf2 family name, also used as a role name
    path: Path
    index: int = 0  # face index inside a .ttc collection
    package: str = "fonts-noto-cjk"


DEFAULT_SERIF = FontSpec("notoserifsc", NOTO_DIR / "NotoSerifCJK-Regular.ttc", 2, "fonts-noto-cjk")
DEFAULT_SERIF_BOLD = FontSpec("notoserifscb", NOTO_DIR / "NotoSerifCJK-Bold.ttc", 2, "fonts-noto-cjk")
DEFAULT_HANAMIN_A = FontSpec("hanamina", HANAZONO_DIR / "HanaMinA.ttf", 0, "fonts-hanazono")
DEFAULT_HANAMIN_B = FontSpec("hanaminb", HANAZONO_DIR / "HanaMinB.ttf", 0, "fonts-hanazono")


class LoadedFont:
    """One face, parsed once: HarfBuzz face/font, its cmap and cached advances."""

    def __init__(self, spec: FontSpec) -> None:
        if not spec.path.is_file():
            raise RenderingError(f"font {spec.path} not found; install Debian package {spec.package}")
        try:
            blob = hb.Blob.from_file_path(str(spec.path))
            face = hb.Face(blob, spec.index)
            if face.glyph_count <= 1:
                raise ValueError("no glyphs (wrong face index?)")
        except Exception as exc:  # any parse problem is a configuration error
            raise RenderingError(f"font {spec.path} (face {spec.index}) cannot be read: {exc}") from exc
        self.spec = spec
        self.key = spec.key
        self.face = face
        self.font = hb.Font(face)
        self.upem = face.upem
        self.unicodes: frozenset[int] = frozenset(face.unicodes)
        self._advance: dict[int, float] = {}
        self._lock = threading.Lock()
        # The same characters make the same subset: the bold face sets only the title, and
        # most pages need the same few or no rare characters from HanaMin.
        self._subsets: OrderedDict[frozenset[int], bytes] = OrderedDict()

    def has(self, codepoint: int) -> bool:
        return codepoint in self.unicodes

    def advance(self, codepoint: int) -> float:
        """Horizontal advance of a character in em (1.0 = font size)."""
        adv = self._advance.get(codepoint)
        if adv is None:
            gid = self.font.get_nominal_glyph(codepoint) or 0
            adv = self.font.get_glyph_h_advance(gid) / self.upem
            self._advance[codepoint] = adv
        return adv

    def subset(self, codepoints: Iterable[int]) -> bytes:
        """A font program holding only these characters (plus .notdef)."""
        wanted = frozenset(codepoints)
        with self._lock:
            done = self._subsets.get(wanted)
            if done is not None:
                self._subsets.move_to_end(wanted)
                return done
        done = self._subset(wanted)
        with self._lock:
            self._subsets[wanted] = done
            while len(self._subsets) > _SUBSETS_KEPT:
                self._subsets.popitem(last=False)
        return done

    def _subset(self, codepoints: frozenset[int]) -> bytes:
        inp = hb.SubsetInput()
        inp.unicode_set.update(codepoints)
        # The PDF viewer does the hinting; layout tables are not used by PDF.
        # Desubroutinised CFF is what gets embedded: for a page's ~150 characters HarfBuzz
        # cuts it twice as fast (~1.7 vs 3.8 ms) and it compresses smaller (23 vs 27 KB).
        inp.flags |= hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
        for tag in ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"):
            inp.drop_table_tag_set.add(_tag(tag))
        with self._lock:  # hb faces are thread-safe for reading, be conservative for subset
            result = hb.subset(self.face, inp)
        if result is None:
            raise RenderingError(f"subsetting font {self.spec.path} failed")
        return bytes(result.blob.data)

    def __repr__(self) -> str:
        return f"LoadedFont({self.key!r}, {str(self.spec.path)!r}#{self.spec.index})"


def _tag(tag: str) -> int:
    b = tag.encode("ascii")
    return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]


class FontSet:
    """The fallback chain plus a bold face for headings; build once per process."""

    def __init__(
        self,
        serif: FontSpec = DEFAULT_SERIF,
        hanamin_a: FontSpec = DEFAULT_HANAMIN_A,
        hanamin_b: FontSpec = DEFAULT_HANAMIN_B,
        serif_bold: FontSpec = DEFAULT_SERIF_BOLD,
    ) -> None:
        self.chain: tuple[LoadedFont, ...] = tuple(LoadedFont(s) for s in (serif, hanamin_a, hanamin_b))
        self.bold = LoadedFont(serif_bold)
        self.by_key: dict[str, LoadedFont] = {f.key: f for f in (*self.chain, self.bold)}
        if len(self.by_key) != 4:
            raise RenderingError("font keys must be distinct")
        self._choice: dict[int, LoadedFont | None] = {}

    @property
    def primary(self) -> LoadedFont:
        return self.chain[0]

    def font_for(self, ch: str) -> LoadedFont | None:
        """The first font of the chain that has this character (None: no font has it)."""
        cp = ord(ch)
        try:
            return self._choice[cp]
        except KeyError:
            pass
        found = next((f for f in self.chain if f.has(cp)), None)
        self._choice[cp] = found
        return found

    def runs(self, text: str, bold: bool = False) -> list[tuple[LoadedFont, str]]:
        """Split text into runs, each set in the first font of the chain that has it.

        With ``bold`` the bold face is preferred, falling back to the chain for characters
        it lacks.  Raises RenderingError for a character no font has.
        """
        out: list[tuple[LoadedFont, str]] = []
        for ch in text:
            if bold and self.bold.has(ord(ch)):
                font: LoadedFont | None = self.bold
            else:
                font = self.font_for(ch)
            if font is None:
                if ch.isspace():
                    font = self.primary
                else:
                    raise RenderingError(
                        f"character {ch!r} (U+{ord(ch):04X}) is in none of the fonts "
                        + ", ".join(str(f.spec.path.name) for f in self.chain)
                    )
            if out and out[-1][0] is font:
                out[-1] = (font, out[-1][1] + ch)
            else:
                out.append((font, ch))
        return out

    def missing(self, text: str) -> list[str]:
        """Characters of text that no font in the chain has."""
        return [ch for ch in text if not ch.isspace() and self.font_for(ch) is None]

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Advance width of text at ``size`` (result in the unit of ``size``)."""
        return size * sum(f.advance(ord(ch)) for f, run in self.runs(text, bold) for ch in run)

    def register(self, pdf: FPDF, used: Mapping[str, Iterable[int]]) -> None:
        """Add the per-document subsets of the fonts in ``used`` (key → codepoints) to pdf.

        fpdf2's ``add_font`` would parse the full 20 MB collection with fontTools and
        subset it again on output; instead the HarfBuzz subset (a few KB) is given to
        fpdf2 as a :class:`~issuer.rendering.embedding.SubsetFont`, embedded as it is by
        :class:`~issuer.rendering.embedding.SubsetOutputProducer`.
        """
        from issuer.rendering.embedding import SubsetFont  # local: keep module import light

        for key, cps in used.items():
            cps = set(cps)
            if not cps:
                continue
            font = self.by_key[key]
            cps.add(0x20)
            data = font.subset(sorted(cps))
            try:
                pdf.fonts[key] = SubsetFont(pdf, data, key)
            except RenderingError:
                raise
            except Exception as exc:
                raise RenderingError(f"font subset of {font.spec.path} unusable: {exc}") from exc


def _spec_from_env(env: Mapping[str, str], name: str, default: FontSpec) -> FontSpec:
    value = env.get(name)
    if not value:
        return default
    path, _, index = value.partition("#")
    return FontSpec(default.key, Path(path), int(index) if index else default.index, default.package)


@lru_cache(maxsize=1)
def default_font_set() -> FontSet:
    """The process-wide FontSet (Debian paths, overridable through the environment)."""
    env = os.environ
    return FontSet(
        serif=_spec_from_env(env, "ECERT_FONT_SERIF", DEFAULT_SERIF),
        hanamin_a=_spec_from_env(env, "ECERT_FONT_HANAMIN_A", DEFAULT_HANAMIN_A),
        hanamin_b=_spec_from_env(env, "ECERT_FONT_HANAMIN_B", DEFAULT_HANAMIN_B),
        serif_bold=_spec_from_env(env, "ECERT_FONT_SERIF_BOLD", DEFAULT_SERIF_BOLD),
    )
