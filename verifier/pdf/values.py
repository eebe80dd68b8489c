"""Comparable forms of PDF values, read through a pyHanko (historical) resolver."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["array", "plain", "resolved"]


def resolved(resolver: Any, value: Any) -> Any:
    from pyhanko.pdf_utils import generic

    return resolver(value.reference) if isinstance(value, generic.IndirectObject) else value


def array(resolver: Any, value: Any) -> Iterable[Any]:
    from pyhanko.pdf_utils import generic

    value = resolved(resolver, value)
    return list(value) if isinstance(value, generic.ArrayObject) else []


def plain(resolver: Any, value: Any, depth: int = 0) -> Any:
    """A comparable form of a PDF value (references stay references: the objects they
    point to are judged on their own, as parts of the revision's xref)."""
    from pyhanko.pdf_utils import generic

    if depth > 32:
        return "(too deep)"
    if isinstance(value, generic.IndirectObject):
        return ("ref", value.idnum, value.generation)
    if isinstance(value, generic.StreamObject):
        return ("stream", value.encoded_data)
    if isinstance(value, generic.DictionaryObject):
        return tuple(sorted((str(k), plain(resolver, value.raw_get(k), depth + 1)) for k in value))
    if isinstance(value, generic.ArrayObject):
        return tuple(plain(resolver, v, depth + 1) for v in value)
    if isinstance(value, generic.NullObject):
        return "null"
    return (type(value).__name__, str(value))
