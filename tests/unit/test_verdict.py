"""Verdict words: pure functions of a public record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from verifier.lookup import PublicCertificate, PublicStatus
from verifier.verdict import COLOURS, WORDS, Tone, format_date, verdict_for

VALID = PublicCertificate(
    number="ZC500111-2026-000123-Y",
    version=1,
    token="A" * 24,
    status=PublicStatus.VALID,
    masked_name="张*三",
    qualification="主治医师",
    level="中级",
    series="卫生",
    specialty="临床医学",
    grant_date=date(2025, 12, 20),
    approving_body="重庆市卫生系列中级职称评审委员会",
    issuing_office_code="500111",
    issued_at=datetime(2026, 1, 5, 2, 0, tzinfo=UTC),
)


def test_every_status_has_distinct_words_and_a_tone() -> None:
    assert set(WORDS) == set(PublicStatus)
    assert [WORDS[s][0] for s in PublicStatus] == ["有效", "已撤销", "已更正", "已过期", "未找到"]
    assert len({WORDS[s][1] for s in PublicStatus}) == len(PublicStatus)
    assert len(set(COLOURS.values())) == len(Tone)


def test_valid() -> None:
    verdict = verdict_for(VALID)
    assert (verdict.word_zh, verdict.word_en, verdict.tone) == ("有效", "Valid", Tone.OK)
    assert verdict.word("en") == "Valid" and verdict.word("zh-CN") == "有效"
    assert "当前有效" in verdict.sentence("zh-CN")
    assert verdict.colour == COLOURS[Tone.OK]


def test_unknown_is_the_answer_for_none() -> None:
    verdict = verdict_for(None)
    assert (verdict.status, verdict.word_zh, verdict.tone) == (PublicStatus.UNKNOWN, "未找到", Tone.NONE)
    # The sentence never hints whether the number exists or the name was wrong.
    assert "姓名" in verdict.sentence_zh and "name" in verdict.sentence_en


def test_revoked_names_date_reason_and_doc_no_in_office_time() -> None:
    revoked = replace(
        VALID,
        status=PublicStatus.REVOKED,
        # 18:00 UTC is already the next day in Chongqing.
        revoked_at=datetime(2026, 3, 1, 18, 0, tzinfo=UTC),
        revocation_reason="以弄虚作假等不正当手段取得",
        revocation_doc_no="足人社发〔2026〕3号",
    )
    verdict = verdict_for(revoked)
    assert (verdict.word_zh, verdict.tone) == ("已撤销", Tone.BAD)
    assert "2026年3月2日" in verdict.sentence_zh
    assert "以弄虚作假等不正当手段取得" in verdict.sentence_zh
    assert "足人社发〔2026〕3号" in verdict.sentence_zh
    assert "2026-03-02" in verdict.sentence_en and "足人社发〔2026〕3号" in verdict.sentence_en


def test_revoked_at_naive_is_utc() -> None:
    # SQLite hands back naive datetimes for timezone-aware columns.
    revoked = replace(VALID, status=PublicStatus.REVOKED, revoked_at=datetime(2026, 3, 1, 18, 0))
    assert "2026年3月2日" in verdict_for(revoked).sentence_zh


def test_superseded_points_to_the_current_version() -> None:
    superseded = replace(VALID, status=PublicStatus.SUPERSEDED, current_version=3, current_token="B" * 24)
    verdict = verdict_for(superseded)
    assert (verdict.word_zh, verdict.word_en, verdict.tone) == ("已更正", "Superseded", Tone.WARN)
    assert "第 3 版" in verdict.sentence_zh and "version 3" in verdict.sentence_en


def test_expired_use_copy() -> None:
    verdict = verdict_for(replace(VALID, status=PublicStatus.EXPIRED))
    assert (verdict.word_zh, verdict.word_en) == ("已过期", "Expired")
    assert "加注件" in verdict.sentence_zh


@pytest.mark.parametrize(("lang", "text"), [("zh-CN", "2025年12月20日"), ("en", "2025-12-20")])
def test_dates_in_the_page_language(lang: str, text: str) -> None:
    assert format_date(date(2025, 12, 20), lang) == text
