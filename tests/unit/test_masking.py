"""The one masking rule for names on public pages and API answers (ecert.vocab.masking)."""

from __future__ import annotations

import pytest

from ecert.vocab.masking import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王*明"),
        ("欧阳小锋", "欧**锋"),
        ("  李四  ", "李*"),
        ("李", "*"),
        ("", "*"),
        ("阿卜杜·热合曼", "阿*****曼"),
    ],
)
def test_mask_name_keeps_first_and_last_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_rare_characters_beyond_the_bmp_count_once() -> None:
    # U+21484 (CJK Extension B) is one character, two UTF-16 code units.
    assert mask_name("王\U00021484明") == "王*明"
    assert mask_name("\U00021484明") == "\U00021484*"
