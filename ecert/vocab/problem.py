"""What a vocabulary check found wrong: a stable code and its parameters, never words.

The edges (pages, API, commands) turn a ``Problem`` into a sentence in the reader's
language; the codes are documented with their words in ``docs/decisions-csv.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# A parameter is shown as it is, or, for a sequence, as a list in the reader's language.
Param = str | int | tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    code: str
    params: Mapping[str, Param] = field(default_factory=dict)
