"""The automatic checks' findings in words (a minimal fallback: the checks work replaces
this module with the sentence of every code; its interface stays ``describe`` and
``SEVERITY_LABELS``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecert.i18n import _l

SEVERITY_LABELS: Mapping[int, Any] = {0: _l("提示"), 1: _l("低"), 2: _l("中"), 3: _l("高")}


def describe(code: str, params: Mapping[str, Any]) -> str:
    """The sentence staff read for a finding; unknown codes are shown as they are."""
    return " ".join([code, *(f"{key}={value}" for key, value in params.items())])
