"""Faults of a file's structure that must be named as what they are, not as "no signature".

- :func:`is_encrypted`: an encrypted copy (our certificates are never encrypted; re-saving
  the genuine file with a password, as qpdf or pikepdf do, rewrites it and breaks the
  signature; without the password nothing in it can be read at all);
- :func:`xref_problems`: xref entries whose offset does not hold the object they list
  (``N G obj`` with the same number and generation), in any revision;
- :func:`damaged_validation_data`: certificates, CRLs and OCSP responses in the DSS that do
  not parse as what they claim to be (pyHanko would fail deep inside validation).

Pure functions over the bytes and pyHanko's reader; each never raises for a hostile file.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["damaged_validation_data", "is_encrypted", "structure_fault", "xref_problems"]

MAX_XREF_ENTRIES = 100_000
MAX_DSS_ITEMS = 1000
_HEADER = re.compile(rb"[ \t\r\n\f\x00]*([0-9]+)[ \t\r\n\f\x00]+([0-9]+)[ \t\r\n\f\x00]+obj(?![A-Za-z0-9])")


def is_encrypted(reader: Any) -> bool:
    try:
        return bool(reader.encrypted) or "/Encrypt" in reader.trailer
    except Exception:
        return False


def xref_problems(reader: Any, pdf: bytes) -> list[str]:
    """``"revision 2: object 38 listed at byte 72843, which holds no such object"``, one per
    wrong entry (at most ten), checking every in-use entry of every xref section."""
    problems: list[str] = []
    checked = 0
    try:
        xrefs = reader.xrefs
        for revision in range(xrefs.total_revisions):
            data = xrefs.get_xref_data(revision)
            sections = [data] + ([data.hybrid.xref_data] if data.hybrid is not None else [])
            for section in sections:
                for number, (generation, offset) in section.standard_xrefs.items():
                    checked += 1
                    if checked > MAX_XREF_ENTRIES:
                        return [*problems, f"more than {MAX_XREF_ENTRIES} xref entries"]
                    match = _HEADER.match(pdf, offset) if 0 <= offset < len(pdf) else None
                    if match is None or (int(match.group(1)), int(match.group(2))) != (number, generation):
                        problems.append(
                            f"revision {revision + 1}: object {number} {generation} listed at byte {offset}, "
                            "which holds no such object"
                        )
                        if len(problems) >= 10:
                            return problems
    except Exception as exc:
        problems.append(f"unreadable xref: {type(exc).__name__}: {exc}"[:200])
    return problems


def damaged_validation_data(reader: Any) -> list[str]:
    """``"CRL 2 of 6 in the DSS (object 31) is damaged: ValueError: ..."``, for every item
    of the DSS (and its VRI dictionaries) that does not parse in full."""
    from asn1crypto import crl, ocsp, x509
    from pyhanko.pdf_utils import generic

    kinds = {"/Certs": ("certificate", x509.Certificate), "/CRLs": ("CRL", crl.CertificateList)}
    kinds["/OCSPs"] = ("OCSP response", ocsp.OCSPResponse)
    problems: list[str] = []
    try:
        root = reader.root
        if "/DSS" not in root:
            return []
        dss = root["/DSS"]
        containers = [dss]
        vri = dss.get("/VRI")
        if isinstance(vri, generic.DictionaryObject):
            containers.extend(v for v in list(vri.values())[:MAX_DSS_ITEMS])
        seen: set[tuple[int, int]] = set()
        for container in containers:
            container = container.get_object() if isinstance(container, generic.IndirectObject) else container
            for key, (label, spec) in kinds.items():
                short = key[:-1] if key != "/Certs" else "/Cert"
                array = container.get(key, container.get(short))
                problems.extend(_damaged(array, label, spec, seen))
    except Exception as exc:
        problems.append(f"unreadable DSS: {type(exc).__name__}: {exc}"[:200])
    return problems[:10]


def _damaged(array: Any, label: str, spec: Any, seen: set[tuple[int, int]]) -> list[str]:
    from pyhanko.pdf_utils import generic

    if array is None:
        return []
    items = list(array)[:MAX_DSS_ITEMS] if isinstance(array, generic.ArrayObject) else [array]
    problems = []
    for position, item in enumerate(items, start=1):
        where = ""
        if isinstance(item, generic.IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            where = f" (object {item.idnum})"
        try:
            stream = item.get_object() if isinstance(item, generic.IndirectObject) else item
            parsed = spec.load(stream.data, strict=True)
            _ = parsed.native  # asn1crypto parses lazily: force every field
        except Exception as exc:
            problems.append(
                f"{label} {position} of {len(items)} in the DSS{where} is damaged: {type(exc).__name__}: {exc}"[:300]
            )
    return problems


def structure_fault(reader: Any, pdf: bytes) -> tuple[str, str] | None:
    """``(reason, detail)`` when the file cannot be checked for a named fault of its
    structure (checked before anything else is read from it), else None."""
    if is_encrypted(reader):
        return "encrypted", "the file is encrypted (/Encrypt in the trailer)"
    broken = xref_problems(reader, pdf)
    if broken:
        return "xref_broken", "; ".join(broken)
    return None
