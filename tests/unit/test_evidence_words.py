"""Each refusal of an evidence file is said in Chinese (and in English from the catalogue):
why, with the numbers that matter, and what to upload instead."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from ecert.i18n import force_locale, init_i18n
from legacy_import.evidence_rules import RefusedEvidence
from legacy_import.evidence_words import KIND_WORDS, refusal_message

CJK = re.compile(r"[\u4e00-\u9fff]")
FALLBACK = "文件无法接收，请换一个 PDF、JPEG、PNG 或 TIFF 文件再试。"

REFUSALS = [
    RefusedEvidence("empty"),
    RefusedEvidence("too_large", {"limit_mb": 15, "size_mb": 22.4}),
    RefusedEvidence("too_large", {"limit_mb": 30, "size_mb": 31.5, "cleaned": True}),
    RefusedEvidence("unsupported_type", {"kind": "heif"}),
    RefusedEvidence("unsupported_type", {"kind": "gif"}),
    RefusedEvidence("unsupported_type", {"kind": "svg"}),
    RefusedEvidence("unsupported_type", {"kind": "zip"}),
    RefusedEvidence("unsupported_type", {"kind": "exe"}),
    RefusedEvidence("unsupported_type", {"kind": "never-heard-of"}),
    RefusedEvidence("polyglot", {"kind": "jpeg", "also": "pdf"}),
    RefusedEvidence("too_many_pixels", {"limit": 40, "megapixels": 900}),
    RefusedEvidence("too_many_pixels", {"limit": 40}),
    RefusedEvidence("too_many_pages", {"pages": 21, "limit": 20}),
    RefusedEvidence("unreadable"),
    RefusedEvidence("encrypted"),
    RefusedEvidence("javascript"),
    RefusedEvidence("open_action"),
    RefusedEvidence("launch"),
    RefusedEvidence("embedded_files"),
    RefusedEvidence("xfa"),
    RefusedEvidence("too_complex", {"cause": "memory"}),
    RefusedEvidence("unavailable", {"cause": "busy"}),
]


@pytest.fixture
def app() -> Iterator[Flask]:
    app = Flask(__name__)
    init_i18n(app)
    with app.app_context():
        yield app


@pytest.mark.parametrize("refused", REFUSALS, ids=lambda r: f"{r.code}-{'-'.join(map(str, r.params.values()))}")
def test_each_refusal_says_why_and_what_to_do_in_chinese_and_in_english(app: Flask, refused: RefusedEvidence) -> None:
    with force_locale("zh_CN"):
        chinese = refusal_message(refused)
    assert chinese != FALLBACK and CJK.search(chinese) and "请" in chinese  # what to do
    assert "%(" not in chinese
    with force_locale("en"):
        english = refusal_message(refused)
    assert not CJK.search(english), english
    assert "%(" not in english and english.strip() == english


def test_the_numbers_and_kinds_are_in_the_words(app: Flask) -> None:
    with force_locale("zh_CN"):
        assert "22.4 MB" in refusal_message(REFUSALS[1]) and "15 MB" in refusal_message(REFUSALS[1])
        assert "31.5 MB" in refusal_message(REFUSALS[2]) and "重新保存" in refusal_message(REFUSALS[2])
        heic = refusal_message(RefusedEvidence("unsupported_type", {"kind": "heif"}))
        assert "HEIC" in heic and "兼容性最佳" in heic
        assert "900 百万像素" in refusal_message(RefusedEvidence("too_many_pixels", {"limit": 40, "megapixels": 900}))
        assert "21 页" in refusal_message(RefusedEvidence("too_many_pages", {"pages": 21, "limit": 20}))
        assert "PDF" in refusal_message(RefusedEvidence("polyglot", {"kind": "jpeg", "also": "pdf"}))
        assert "这不是文件的问题" in refusal_message(RefusedEvidence("unavailable", {"cause": "busy"}))
    with force_locale("en"):
        assert "This is a HEIC/HEIF photo" in refusal_message(RefusedEvidence("unsupported_type", {"kind": "heif"}))


def test_an_unknown_code_still_says_something(app: Flask) -> None:
    with force_locale("zh_CN"):
        assert refusal_message(RefusedEvidence("new_rule")) == FALLBACK


def test_every_kind_the_sniffer_names_has_words() -> None:
    import ecert.uploads as uploads

    named = {kind for _, kind in uploads._MAGIC} | {"heif", "avif", "mp4", "mov", "webp", "svg", "html", "xml"}
    named |= {"ofd", "docx", "xlsx", "text", "unknown"}
    assert named <= set(KIND_WORDS)
