"""The one masking rule for personal data on public pages and in public API answers.

Names keep their first and last character (张*三, 欧**锋 for 欧阳晓锋; two-character names 张*).
ID numbers keep only their first and last character: a 6+4 mask would leave about
1,900 candidates, and different masks of the same number combine, so there is one.
Characters are counted as code points, so rare characters beyond the BMP count once.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    id_number = id_number.strip()
    if len(id_number) <= 2:
        return "*" * len(id_number)
    return id_number[0] + "*" * (len(id_number) - 2) + id_number[-1]
