"""The signature's visible appearance: the office's seal PNG filling the field's box.

The PNG is decoded and Flate-compressed once per distinct image (``SealStyles`` keeps a
few), then added to each signed document as image XObjects; no text, so no font that
would have to be embedded.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections import OrderedDict

from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.stamp import StaticStampStyle

from issuer import SigningError

_SEAL_CACHE_SIZE = 8
_MAX_SEAL_BYTES = 5_000_000
_MAX_SEAL_PIXELS = 4_000_000


class SealImage(PdfImage):
    """A PNG seal whose Flate streams are compressed once and re-added to each writer."""

    def __init__(self, png: bytes):
        if len(png) > _MAX_SEAL_BYTES:
            raise SigningError("seal image too large")
        try:
            img: Image.Image = Image.open(io.BytesIO(png))
            if img.width * img.height > _MAX_SEAL_PIXELS:
                raise SigningError("seal image has too many pixels")
            img.load()
        except SigningError:
            raise
        except Exception as exc:  # Pillow raises many types for bad input
            raise SigningError(f"cannot read the seal PNG: {exc}") from exc
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA" if ("A" in img.getbands() or "transparency" in img.info) else "RGB")
        super().__init__(img)
        self._streams = self._precompress(img)

    @staticmethod
    def _precompress(img: Image.Image) -> tuple[dict, bytes, dict | None, bytes | None]:
        smask = None
        if img.mode.endswith("A"):
            alpha = img.split()[-1]
            smask = (
                {"/ColorSpace": "/DeviceGray", "/Width": alpha.width, "/Height": alpha.height},
                zlib.compress(alpha.tobytes(), 9),
            )
            img = img.convert(img.mode[:-1])
        cs = "/DeviceGray" if img.mode == "L" else "/DeviceRGB"
        main = ({"/ColorSpace": cs, "/Width": img.width, "/Height": img.height}, zlib.compress(img.tobytes(), 9))
        return main[0], main[1], smask[0] if smask else None, smask[1] if smask else None

    @staticmethod
    def _stream(meta: dict, data: bytes) -> generic.StreamObject:
        d = {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Image"),
            pdf_name("/Width"): generic.NumberObject(meta["/Width"]),
            pdf_name("/Height"): generic.NumberObject(meta["/Height"]),
            pdf_name("/ColorSpace"): pdf_name(meta["/ColorSpace"]),
            pdf_name("/BitsPerComponent"): generic.NumberObject(8),
            pdf_name("/Filter"): pdf_name("/FlateDecode"),
        }
        return generic.StreamObject(d, encoded_data=data)

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:
            meta, data, smeta, sdata = self._streams
            stream = self._stream(meta, data)
            if smeta is not None and sdata is not None:
                stream[pdf_name("/SMask")] = self.writer.add_object(self._stream(smeta, sdata))
            ref = self._image_ref = self.writer.add_object(stream)
        return ref


class SealStyles:
    """Stamp styles by seal PNG, least recently used dropped first. Not thread-safe: the
    document signer calls it under its lock."""

    def __init__(self, size: int = _SEAL_CACHE_SIZE) -> None:
        self._size = size
        self._styles: OrderedDict[bytes, StaticStampStyle] = OrderedDict()

    def style(self, seal_png: bytes) -> StaticStampStyle:
        key = hashlib.sha256(seal_png).digest()
        style = self._styles.get(key)
        if style is None:
            style = StaticStampStyle(
                background=SealImage(seal_png),
                border_width=0,
                background_opacity=1.0,
                background_layout=layout.SimpleBoxLayoutRule(
                    x_align=layout.AxisAlignment.ALIGN_MID,
                    y_align=layout.AxisAlignment.ALIGN_MID,
                    margins=layout.Margins.uniform(0),
                    inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
                ),
            )
            self._styles[key] = style
            while len(self._styles) > self._size:
                self._styles.popitem(last=False)
        else:
            self._styles.move_to_end(key)
        return style
