"""Structure limits of an uploaded PDF, checked before any PDF library parses it.

A genuine certificate is small and simple: measured on the issued files, 3 revisions
(the rendered page, the signature with its DSS, the document timestamp), 3 classic xref
sections and about 50 objects; each later archive-timestamp renewal adds one revision,
one xref section and a handful of objects. A hostile file can have tens of thousands of
revisions or objects, each of which pyHanko's reader and its diff analysis walk (CPU
that grows with every revision *times* every object). So before the sandboxed worker
hands the bytes to pyHanko, :func:`excess` counts, by scanning the raw bytes:

- revisions: ``%%EOF`` markers, ``startxref`` and ``trailer`` keywords (the largest count);
- xref sections: classic ``xref`` tables and xref streams (``/Type /XRef``);
- objects: ``N G obj`` headers (``obj`` keywords that are not ``endobj``), plus the
  objects declared inside object streams (``/Type /ObjStm`` … ``/N``), or the largest
  ``/Size`` a trailer or xref stream declares if larger (an xref stream can list more
  entries than the file has headers).

Limits (:data:`LIMITS`) leave a generous headroom: 64 revisions and xref sections is a
renewal every year for sixty years; 4,096 objects is eighty times what a certificate has.
A file over any limit is the file's fault: "not valid" with reason ``too_complex``.

Counting is by keyword (``bytes.count``), then a bounded look at a few dictionaries: linear in
the file's size (a few ms for 10 MB) whatever the bytes are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["LIMITS", "Excess", "Structure", "excess", "measure"]


@dataclass(frozen=True)
class Structure:
    revisions: int
    xref_sections: int
    objects: int


# Generous ceilings (see the module docstring for what a genuine certificate has).
LIMITS = Structure(revisions=64, xref_sections=64, objects=4096)


@dataclass(frozen=True)
class Excess:
    what: str  # "revisions" | "xref_sections" | "objects"
    count: int
    limit: int


_WS = rb"[\x00\t\n\x0c\r ]"
_N = re.compile(rb"/N" + _WS + rb"{0,8}([0-9]{1,9})(?![0-9])")
_SIZE = re.compile(rb"/Size" + _WS + rb"{0,8}([0-9]{1,9})(?![0-9])")
# How far around a keyword its dictionary is looked at for /N or /Size.
_WINDOW = 1024


def measure(data: bytes, limits: Structure = LIMITS) -> Structure:
    """Count the structure of ``data``.

    Counts are of keywords (``bytes.count``, linear and in C), so they err upwards: a
    keyword inside a stream's bytes counts too, which a certificate's compressed streams
    practically never contain and which only ever makes a hostile file count higher."""
    trailers = data.count(b"trailer")
    starts = data.count(b"startxref")
    revisions = max(data.count(b"%%EOF"), starts, trailers)
    xref_streams = data.count(b"/XRef")
    xref_sections = max(data.count(b"xref") - starts, 0) + xref_streams
    headers = max(data.count(b"obj") - data.count(b"endobj"), 0)
    object_streams = data.count(b"/ObjStm")
    objects = max(headers, object_streams)
    declared = 0
    if revisions <= limits.revisions and xref_sections <= limits.xref_sections:
        for keyword, total in ((b"trailer", trailers), (b"/XRef", xref_streams)):
            for window in _windows(data, keyword, total):
                declared = max(declared, *(int(size) for size in _SIZE.findall(window)[:2]), 0)
    if objects <= limits.objects:
        for window in _windows(data, b"/ObjStm", object_streams):
            objects += max((int(n) for n in _N.findall(window)[:1]), default=0)
    return Structure(revisions=revisions, xref_sections=xref_sections, objects=max(objects, declared))


def excess(data: bytes, limits: Structure = LIMITS) -> Excess | None:
    """The first limit ``data`` exceeds (revisions, xref sections, objects), or None."""
    found = measure(data, limits)
    for what in ("revisions", "xref_sections", "objects"):
        count, limit = getattr(found, what), getattr(limits, what)
        if count > limit:
            return Excess(what, count, limit)
    return None


def _windows(data: bytes, keyword: bytes, total: int) -> Iterator[bytes]:
    """The bytes around each of the ``total`` occurrences of ``keyword`` (its dictionary)."""
    at = 0
    for _ in range(total):
        at = data.find(keyword, at)
        if at < 0:
            return
        yield data[max(at - _WINDOW, 0) : at + _WINDOW]
        at += len(keyword)
