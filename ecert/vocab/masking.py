"""The one masking rule for holders' names on public pages and in public API answers.

Names keep their first and last character (张*三, 欧**锋 for 欧阳晓锋; two-character names 张*).
Characters are counted as code points, so rare characters beyond the BMP count once.
ID numbers are never shown at all, masked or not: a 6+4 mask would leave about 1,900
candidates, and different masks of the same number combine.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
