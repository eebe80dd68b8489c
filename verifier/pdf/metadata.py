"""Metadata a later revision may not change: /Info and XMP beyond dates and producer.

pyHanko rewrites, on every revision it writes, /Info's ``/ModDate`` and ``/Producer`` (when
the file has /Info) and XMP's ``xmp:ModifyDate``, ``xmp:MetadataDate`` and ``pdf:Producer``
(and the toolkit name). Everything else must stay as signed: a changed or added title,
subject, keyword or description is a change after signing, named by its field. XMP is
compared by expanded property names (attribute or element alike), so that pyHanko's
re-serialisation of the same packet is no change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from verifier.pdf.findings import LaterChange
from verifier.pdf.values import plain, resolved

__all__ = ["INFO_VOLATILE", "XMP_VOLATILE", "metadata_changes"]

# Fields our own timestamp revisions rewrite (pyHanko: ModDate and Producer in /Info,
# xmp:ModifyDate, xmp:MetadataDate, pdf:Producer and the toolkit name in XMP).
INFO_VOLATILE = frozenset({"/ModDate", "/Producer"})
_XMP = "http://ns.adobe.com/xap/1.0/"
_PDF = "http://ns.adobe.com/pdf/1.3/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_VOLATILE = frozenset({f"{{{_XMP}}}ModifyDate", f"{{{_XMP}}}MetadataDate", f"{{{_PDF}}}Producer"})
_PREFIXES = {
    _XMP: "xmp",
    _PDF: "pdf",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
}


def metadata_changes(new: Any, old: Any, revision: int) -> Iterator[LaterChange]:
    """What changed in /Info and XMP between the historical resolvers ``old`` and ``new``."""
    before, after = _info_fields(old), _info_fields(new)
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            yield LaterChange("metadata", f"/Info {key}", revision)
    xmp_before, xmp_after = _xmp_fields(old), _xmp_fields(new)
    for name in sorted(set(xmp_before) | set(xmp_after)):
        if xmp_before.get(name) != xmp_after.get(name):
            yield LaterChange("metadata", f"XMP {_short(name)}", revision)


def _info_fields(resolver: Any) -> dict[str, str]:
    trailer = resolver.trailer_view
    if "/Info" not in trailer:
        return {}
    info = resolved(resolver, trailer.raw_get("/Info"))
    return {str(k): repr(plain(resolver, info.raw_get(k))) for k in info if str(k) not in INFO_VOLATILE}


def _xmp_fields(resolver: Any) -> dict[str, Any]:
    """XMP properties by expanded name (attributes and elements alike, prefixes and
    serialisation aside), without the ones pyHanko rewrites."""
    from pyhanko.pdf_utils import generic

    catalog = resolver(resolver.root_ref)
    ref = catalog.raw_get("/Metadata") if "/Metadata" in catalog else None
    if ref is None:
        return {}
    stream = resolved(resolver, ref)
    if not isinstance(stream, generic.StreamObject):
        return {"(not a stream)": repr(stream)}
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(stream.data, parser=parser)
    except Exception as exc:
        return {"(unreadable)": type(exc).__name__}
    # every value of a property, in document order: a second rdf:Description repeating a
    # property (which some readers show instead of the first) is a change too
    fields: dict[str, list[Any]] = {}
    for description in root.iter(f"{{{_RDF}}}Description"):
        for name, value in description.attrib.items():
            if not name.startswith(f"{{{_RDF}}}"):
                fields.setdefault(name, []).append(value)
        for child in description:
            if isinstance(child.tag, str):
                fields.setdefault(child.tag, []).append(_tree(child))
    return {k: v for k, v in fields.items() if k not in XMP_VOLATILE}


def _tree(element: Any) -> Any:
    if len(element) == 0:
        return (dict(element.attrib), (element.text or "").strip())
    children = tuple(_tree(c) for c in element if isinstance(c.tag, str))
    if element.tag == f"{{{_RDF}}}Description" or len(children) > 1:
        return (dict(element.attrib), children)
    return children[0] if children else (dict(element.attrib), "")


def _short(name: str) -> str:
    if not name.startswith("{"):
        return name  # "(unreadable)", "(not a stream)"
    namespace, _, local = name[1:].partition("}")
    return f"{_PREFIXES.get(namespace, namespace)}:{local}"
