"""What an uploaded file is, by its content: pure functions over bytes, shared by every
feature that takes files from the public (holders' attachments, legacy evidence).

- :func:`kind_of` names the type the first bytes declare (``pdf``, ``jpeg``, ``png``,
  ``tiff``, and the kinds people send by mistake: ``heif``, ``svg``, ``zip``, ...). It
  never looks at a name: callers never pass one.
- :func:`polyglot_of` says whether the file is *also* a second type, readable as such by
  that type's usual readers (the rule is in its docstring).
- :func:`pdf_active_content` finds active content in an open PDF (JavaScript, automatic
  actions, Launch actions, embedded files, XFA forms), wherever it hides: a PDF that staff
  open must do nothing but show pages. :func:`pdf_problem` opens the bytes and asks.

Parsing hostile PDFs costs memory and time without bound: the PDF functions are meant to
run inside :mod:`ecert.sandbox` (the sniffing ones look at a few bytes only).
"""

from __future__ import annotations

import io
import re
import zipfile

import pikepdf

MAX_PDF_OBJECTS = 200_000

# Names whose presence anywhere in the file makes it active content.
_ACTIVE_KEYS = {"/JavaScript": "javascript", "/JS": "javascript", "/OpenAction": "open_action", "/AA": "open_action"}
_ACTIVE_KEYS |= {"/EmbeddedFiles": "embedded_files", "/EF": "embedded_files", "/XFA": "xfa"}
_ACTIVE_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch"}

# Leading bytes → kind. Order matters only where one signature starts another.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"8BPS", "psd"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg2000"),
    (b"\xff\x4f\xff\x51", "jpeg2000"),
    (b"\x97JB2\r\n\x1a\n", "jbig2"),
    (b"\xff\x0a", "jpegxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "jpegxl"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ms_office"),
    (b"{\\rtf", "rtf"),
    (b"MZ", "exe"),
    (b"\x7fELF", "exe"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2"}
_AVIF_BRANDS = {b"avif", b"avis"}
_HTML_START = re.compile(rb"<(!doctype\s+html|html|head|body|script|iframe|meta|title|div|p|a|table)[\s>/]", re.I)
_SVG = re.compile(rb"<svg[\s>]", re.I)
# A PDF header with a version, as lenient readers find it anywhere in a file.
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
# Where ZIP readers look for the end-of-central-directory record: the last 22 bytes plus
# the longest comment (65,535 bytes).
_ZIP_TAIL = 22 + 65_535


def kind_of(data: bytes) -> str:
    """The type ``data`` declares by its first bytes: ``pdf``, ``jpeg``, ``png``, ``tiff``,
    or one of the unaccepted kinds (``heif``, ``avif``, ``webp``, ``gif``, ``svg``, ``html``,
    ``xml``, ``zip``, ``ofd``, ``docx``, ``xlsx``, ``ms_office``, ``exe``, ``text``, ...),
    ``unknown`` when nothing fits."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return _zip_kind(data) if kind == "zip" else kind
    if data[4:8] == b"ftyp":
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(len(data), 64), 4)}
        if brands & _AVIF_BRANDS:
            return "avif"
        if brands & _HEIF_BRANDS:
            return "heif"
        return "mov" if data[8:12] == b"qt  " else "mp4"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    return _text_kind(data[:4096])


def _zip_kind(data: bytes) -> str:
    """``ofd`` (China's fixed-layout documents), ``docx``, ``xlsx`` or ``zip``, by the
    archive's member names (its central directory only: nothing is decompressed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"
    if "OFD.xml" in names:
        return "ofd"
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return "zip"


def _text_kind(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if _SVG.search(text[:1024]) and text.startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg", b"<!--")):
        return "svg"
    if _HTML_START.match(text) or text[:1024].lower().find(b"<html") >= 0:
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    if not text:
        return "unknown"
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(text) - 4:  # not just a character cut at the end of the sample
            return "unknown"
        decoded = text[: exc.start].decode("utf-8")
    return "text" if all(c.isprintable() or c in "\r\n\t\f" for c in decoded) else "unknown"


def polyglot_of(data: bytes, kind: str) -> str | None:
    """The second type ``data`` also is, or None. The rule, for a file whose first bytes
    declare ``kind``:

    - ``pdf``: a file that is not declared a PDF but carries a PDF header with a version
      (``%PDF-1.x`` / ``%PDF-2.x``) anywhere. Readers accept the header within the first
      1,024 bytes, lenient ones (repairing a "damaged" file) anywhere; a genuine image's
      compressed data holds those seven ASCII bytes by chance about once in 10^12 files.
    - ``zip``: any file (a PDF too) with a ZIP central directory that Python's ``zipfile``
      reads with at least one member. ZIP readers look for the directory at the end of the
      file, so an archive (a JAR, an OFD, a DOCX) hides after any data; a stray ``PK\\x05\\x06``
      alone is not enough, its directory must be there.

    Other types are not looked for: their readers insist on their own first bytes, which a
    file has only once."""
    if kind != "pdf" and _PDF_HEADER.search(data):
        return "pdf"
    if kind != "zip" and data.rfind(b"PK\x05\x06", max(0, len(data) - _ZIP_TAIL)) >= 0:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if archive.infolist():
                    return "zip"
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
            pass
    return None


def pdf_problem(data: bytes) -> str | None:
    """Why the PDF is refused (``encrypted``, ``unreadable``, or an active-content code of
    :func:`pdf_active_content`), or None."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                return "encrypted"
            return pdf_active_content(pdf)
    except pikepdf.PasswordError:
        return "encrypted"
    except (pikepdf.PdfError, ValueError, RecursionError, OSError):
        return "unreadable"


def pdf_active_content(pdf: pikepdf.Pdf) -> str | None:
    """``javascript``, ``open_action`` (an OpenAction or additional actions), ``launch``,
    ``embedded_files``, ``xfa`` — the first found — or ``unreadable`` for a file with more
    than :data:`MAX_PDF_OBJECTS` objects or nested too deep; None for a passive PDF.

    Every object is visited, not only those reachable from the catalogue, so active content
    in a compressed object stream or an unreferenced object is found as well."""
    objects = pdf.objects
    if len(objects) > MAX_PDF_OBJECTS:
        return "unreadable"
    for obj in [pdf.trailer, pdf.Root, *objects]:
        problem = _active(obj)
        if problem:
            return problem
    return None


def _active(obj: object, depth: int = 0) -> str | None:
    """Active content in ``obj`` or the direct objects inside it (indirect ones are visited
    on their own, from ``pdf.objects``)."""
    if depth > 64:
        return "unreadable"
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Array):
        children = list(obj)
    elif isinstance(obj, pikepdf.Dictionary):
        for key in obj.keys():  # noqa: SIM118 (a pikepdf Dictionary iterates keys only this way)
            if key in _ACTIVE_KEYS:
                return _ACTIVE_KEYS[key]
        if obj.get("/Type") == pikepdf.Name("/EmbeddedFile"):
            return "embedded_files"
        action = obj.get("/S")
        if isinstance(action, pikepdf.Name) and str(action) in _ACTIVE_ACTIONS:
            return _ACTIVE_ACTIONS[str(action)]
        children = [obj[key] for key in obj.keys()]  # noqa: SIM118
    else:
        return None
    for child in children:
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
            problem = _active(child, depth + 1)
            if problem:
                return problem
    return None
