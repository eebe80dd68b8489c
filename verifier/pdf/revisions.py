"""What the revisions after the signed one change, beyond timestamps and validation data.

pyHanko's difference analysis (``pyhanko.sign.diff_analysis.DEFAULT_DIFF_POLICY``) judges
each later revision by whitelisting rules and already calls a rewritten page, content
stream, font, annotation or catalog entry ``OTHER``. By design it lets through, at
``LTA_UPDATES``: any change to ``/Info`` (``DocInfoRule``), any well-formed XMP metadata
(``MetadataUpdateRule``) and new objects nothing references (``ignore_orphaned_objects``);
and it reads only what the xref lists, so an object definition hidden in the body of a
later revision, listed by no xref (a "shadow" that a lenient reader repairing the file may
prefer), is invisible to it. Those are the rules here (metadata in
:mod:`verifier.pdf.metadata`), plus an explicit list of what a later revision may touch at
all, so that every change is named, not only graded.

A later revision may hold only: document timestamps (their ``/DocTimeStamp`` dictionary and
signature field / widget), the DSS and everything it references, the catalog and the page
and AcroForm dictionaries rewritten only to attach those, and ``/Info`` / XMP metadata in
which nothing changed but the dates and producer that pyHanko rewrites on every revision it
writes. Every later revision must add a document timestamp or validation data: a revision
that only touches dates is not one of ours.

Pure functions over the file's bytes and pyHanko's reader; they never raise for a hostile
file (an error is itself a change: fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from verifier.pdf.findings import LaterChange
from verifier.pdf.metadata import metadata_changes
from verifier.pdf.values import array, plain, resolved

__all__ = ["LaterChange", "later_changes", "shadow_definitions"]

# Catalog, page and AcroForm entries a document timestamp or the DSS may add or change.
_CATALOG_KEYS = frozenset({"/DSS", "/AcroForm", "/Extensions"})
_ACROFORM_KEYS = frozenset({"/Fields", "/SigFlags"})
_PAGE_KEYS = frozenset({"/Annots"})
MAX_SHADOW_MATCHES = 1000
_OBJ = re.compile(rb"(?<![0-9])([0-9]{1,10})[ \t\r\n\f\x00]+([0-9]{1,5})[ \t\r\n\f\x00]+obj(?![A-Za-z0-9])")


def later_changes(reader: Any, pdf: bytes, signed_revision: int) -> tuple[LaterChange, ...]:
    """Everything the revisions after ``signed_revision`` change beyond timestamps and
    validation data, in file order; empty for a genuine certificate (renewed or not)."""
    found: list[LaterChange] = []
    index = signed_revision + 1  # 0-based, as pyHanko counts
    try:
        for index in range(signed_revision + 1, reader.xrefs.total_revisions):
            found.extend(_revision_changes(reader, index))
        found.extend(shadow_definitions(reader, pdf, signed_revision))
    except Exception as exc:  # an unreadable later revision is not one of ours
        found.append(LaterChange("unreadable", f"{type(exc).__name__}: {exc}"[:200], index + 1))
    return tuple(found)


def shadow_definitions(reader: Any, pdf: bytes, signed_revision: int) -> list[LaterChange]:
    """Object definitions (``N G obj``) after the signed revision that no xref lists.

    A bounded scan of the raw bytes (one regular expression over at most the size limit);
    a match inside a listed object's stream data would also count, which only a file made
    to look like this can contain: fail closed.
    """
    xrefs = reader.xrefs
    listed: set[int] = set()
    for revision in range(xrefs.total_revisions):
        data = xrefs.get_xref_data(revision)
        listed.update(offset for _, offset in data.standard_xrefs.values())
        if data.hybrid is not None:
            listed.update(offset for _, offset in data.hybrid.xref_data.standard_xrefs.values())
        listed.add(xrefs.get_startxref_for_revision(revision))  # an xref stream's own object
    start = xrefs.get_xref_container_info(signed_revision).end_location
    found: list[LaterChange] = []
    for match in _OBJ.finditer(pdf, start):
        if match.start() not in listed:
            number, generation = int(match.group(1)), int(match.group(2))
            found.append(
                LaterChange(
                    "shadow", f"{number} {generation} obj at byte {match.start()}", _revision_at(xrefs, match.start())
                )
            )
            if len(found) >= MAX_SHADOW_MATCHES:
                break
    return found


# --------------------------------------------------------------------------- internals


def _revision_at(xrefs: Any, offset: int) -> int:
    for revision in range(xrefs.total_revisions):
        if offset < xrefs.get_xref_container_info(revision).end_location:
            return revision + 1
    return xrefs.total_revisions


def _revision_changes(reader: Any, index: int) -> Iterator[LaterChange]:
    new = reader.get_historical_resolver(index)
    old = reader.get_historical_resolver(index - 1)
    revision = index + 1
    refs = {(r.idnum, r.generation) for r in new.explicit_refs_in_revision()}
    allowed, stamped = _allowed_parts(new, old)
    fresh = {key for key in refs if old.is_ref_unassignable(_ref(old, key)) or _absent(old, _ref(old, key))}
    reachable = _reachable_new(new, index, [_ref(new, key) for key in refs - fresh])
    yield from metadata_changes(new, old, revision)
    for key in sorted(refs):
        ref = _ref(new, key)
        if key in fresh and key not in reachable:
            yield LaterChange("orphan", f"{key[0]} {key[1]} obj {_kind(new(ref))}".rstrip(), revision)
        elif key not in allowed:
            yield LaterChange("object", f"{key[0]} {key[1]} obj {_kind(new(ref))}".rstrip(), revision)
    yield from _entry_changes(new, old, revision)
    if not stamped:
        yield LaterChange("no_timestamp", f"revision {revision}", revision)


def _reachable_new(new: Any, index: int, rewritten: list[Any]) -> set[tuple[int, int]]:
    """Objects introduced in revision ``index`` reachable from its trailer: as pyHanko's own
    orphan search, only through the trailer, the objects rewritten in that revision and new
    objects (older objects cannot point at numbers that did not exist yet, in our files)."""
    found: set[tuple[int, int]] = set()
    for start in [new.trailer_view, *(new(ref) for ref in rewritten)]:
        found |= {(r.idnum, r.generation) for r in new.collect_dependencies(start, since_revision=index)}
    return found


def _ref(resolver: Any, key: tuple[int, int]) -> Any:
    from pyhanko.pdf_utils import generic

    return generic.Reference(key[0], key[1], pdf=resolver.reader)


def _absent(old: Any, ref: Any) -> bool:
    return old.reader.xrefs.get_historical_ref(ref, old.revision) is None


def _kind(obj: Any) -> str:
    from pyhanko.pdf_utils import generic

    if isinstance(obj, generic.DictionaryObject):
        for key in ("/Type", "/Subtype", "/FT"):
            if key in obj:
                return f"({obj.raw_get(key)})"
        return "(stream)" if isinstance(obj, generic.StreamObject) else "(dictionary)"
    return f"({type(obj).__name__})"


def _allowed_parts(new: Any, old: Any) -> tuple[set[tuple[int, int]], bool]:
    """The objects a timestamp / validation-data revision may write, and whether this
    revision adds a document timestamp or changes the DSS at all."""
    from pyhanko.pdf_utils import generic

    allowed: set[tuple[int, int]] = set()
    refs = {(r.idnum, r.generation) for r in new.explicit_refs_in_revision()}
    root = new.root_ref
    allowed.add((root.idnum, root.generation))
    catalog = new(root)
    stamped = False
    for key in ("/Metadata", "/AcroForm"):
        value = catalog.raw_get(key) if key in catalog else None
        if isinstance(value, generic.IndirectObject):
            allowed.add((value.idnum, value.generation))
    info = new.trailer_view.raw_get("/Info") if "/Info" in new.trailer_view else None
    if isinstance(info, generic.IndirectObject):
        allowed.add((info.idnum, info.generation))
    dss = catalog.raw_get("/DSS") if "/DSS" in catalog else None
    if dss is not None:
        parts = {(r.idnum, r.generation) for r in new.collect_dependencies(dss)}
        if isinstance(dss, generic.IndirectObject):
            parts.add((dss.idnum, dss.generation))
        allowed |= parts
        stamped |= bool(parts & refs)
    for field_ref, field in _timestamp_fields(new, catalog):
        stamped |= field_ref in refs
        allowed.add(field_ref)
        # its value only: the widget's /P leads to the page and all it uses, and an
        # appearance would paint on the page (see _timestamp_field_changes)
        allowed |= {(r.idnum, r.generation) for r in new.collect_dependencies(field.raw_get("/V"))}
    for page_ref in _page_refs(new, catalog):
        allowed.add(page_ref)
    return allowed, stamped


def _timestamp_fields(new: Any, catalog: Any) -> Iterator[tuple[tuple[int, int], Any]]:
    """Signature fields (merged with their widget) whose value is a document timestamp."""
    from pyhanko.pdf_utils import generic

    if "/AcroForm" not in catalog:
        return
    form = resolved(new, catalog.raw_get("/AcroForm"))
    for entry in array(new, form.raw_get("/Fields") if "/Fields" in form else None):
        if not isinstance(entry, generic.IndirectObject):
            continue
        field = new(entry.reference)
        value = resolved(new, field.raw_get("/V")) if "/V" in field else None
        if isinstance(value, generic.DictionaryObject) and value.get("/Type") == "/DocTimeStamp":
            yield (entry.idnum, entry.generation), field


def _page_refs(new: Any, catalog: Any) -> Iterator[tuple[int, int]]:
    from pyhanko.pdf_utils import generic

    todo, seen = [catalog.raw_get("/Pages")], 0
    while todo and seen < 10_000:
        node_ref = todo.pop()
        seen += 1
        if not isinstance(node_ref, generic.IndirectObject):
            continue
        node = new(node_ref.reference)
        if node.get("/Type") == "/Page":
            yield node_ref.idnum, node_ref.generation
        todo.extend(array(new, node.raw_get("/Kids") if "/Kids" in node else None))


def _entry_changes(new: Any, old: Any, revision: int) -> Iterator[LaterChange]:
    """Catalog, AcroForm and page dictionaries: only the entries a timestamp needs change,
    and only by adding document-timestamp fields."""
    old_catalog, new_catalog = old(old.root_ref), new(new.root_ref)
    yield from _changed_keys(new, old, old_catalog, new_catalog, _CATALOG_KEYS, "catalog", revision)
    ts_fields = {key for key, _ in _timestamp_fields(new, new_catalog)}
    yield from _timestamp_field_changes(new, old, new_catalog, revision)
    if "/AcroForm" in new_catalog and "/AcroForm" in old_catalog:
        old_form, new_form = (
            resolved(old, old_catalog.raw_get("/AcroForm")),
            resolved(new, new_catalog.raw_get("/AcroForm")),
        )
        yield from _changed_keys(new, old, old_form, new_form, _ACROFORM_KEYS, "AcroForm", revision)
        yield from _added_entries(old, new, old_form, new_form, "/Fields", ts_fields, "AcroForm /Fields", revision)
    old_pages = dict.fromkeys(_page_refs(old, old_catalog))
    for key in _page_refs(new, new_catalog):
        if key not in old_pages:
            yield LaterChange("object", f"{key[0]} {key[1]} obj (/Page) added", revision)
            continue
        old_page, new_page = old(_ref(old, key)), new(_ref(new, key))
        label = f"{key[0]} {key[1]} obj (/Page)"
        yield from _changed_keys(new, old, old_page, new_page, _PAGE_KEYS, label, revision)
        yield from _added_entries(old, new, old_page, new_page, "/Annots", ts_fields, f"{label} /Annots", revision)


def _timestamp_field_changes(new: Any, old: Any, catalog: Any, revision: int) -> Iterator[LaterChange]:
    """A document-timestamp field written in this revision is new (or unchanged) and
    invisible: no appearance, a zero-area rectangle (as pyHanko writes them)."""
    refs = {(r.idnum, r.generation) for r in new.explicit_refs_in_revision()}
    for key, field in _timestamp_fields(new, catalog):
        if key not in refs:
            continue
        label = f"{key[0]} {key[1]} obj (timestamp field)"
        ref = _ref(old, key)
        if not (old.is_ref_unassignable(ref) or _absent(old, ref)) and plain(old, old(ref)) != plain(new, field):
            yield LaterChange("object", f"{label} rewritten", revision)
        rect = [_number(x) for x in array(new, field.raw_get("/Rect") if "/Rect" in field else None)]
        visible = len(rect) == 4 and (rect[2] - rect[0]) * (rect[3] - rect[1]) != 0
        if "/AP" in field or visible:
            yield LaterChange("object", f"{label} with an appearance", revision)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0  # not a number: count it as visible


def _changed_keys(
    new: Any, old: Any, before: Any, after: Any, allowed: frozenset[str], label: str, revision: int
) -> Iterator[LaterChange]:
    for key in sorted(set(before) | set(after)):
        if key in allowed:
            continue
        if key not in before or key not in after or plain(old, before.raw_get(key)) != plain(new, after.raw_get(key)):
            yield LaterChange("object", f"{label} {key}", revision)


def _added_entries(
    old: Any, new: Any, before: Any, after: Any, key: str, may_add: set[tuple[int, int]], label: str, revision: int
) -> Iterator[LaterChange]:
    """``key`` (an array of references) may only gain entries from ``may_add``."""
    from pyhanko.pdf_utils import generic

    def refs(resolver: Any, container: Any) -> list[Any]:
        items = array(resolver, container.raw_get(key) if key in container else None)
        return [(i.idnum, i.generation) if isinstance(i, generic.IndirectObject) else repr(i) for i in items]

    earlier, later = refs(old, before), refs(new, after)
    if later[: len(earlier)] != earlier or any(item not in may_add for item in later[len(earlier) :]):
        yield LaterChange("object", label, revision)
