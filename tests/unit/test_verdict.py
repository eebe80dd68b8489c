"""Verdicts: pure functions of a public record (codes), and their words in each language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ecert.i18n import EN, ZH
from verifier.lookup import PublicCertificate
from verifier.status import PublicStatus
from verifier.verdict import COLOURS, TONES, Sentence, Tone, verdict_for
from verifier.words.verdict import WORDS, in_lang, sentence, status_word

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
    doc_no="渝卫职改〔2025〕12号",
    issuing_office_code="500111",
    issued_at=datetime(2026, 1, 5, 2, 0, tzinfo=UTC),
)


@pytest.fixture
def app_context(app):  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        yield


def words(verdict, lang: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return in_lang(lang, lambda: (status_word(verdict.status), sentence(verdict)))


def test_every_status_has_a_tone_and_distinct_words(app_context) -> None:  # type: ignore[no-untyped-def]
    assert set(TONES) == set(WORDS) == set(PublicStatus)
    assert [in_lang(ZH, lambda s=s: status_word(s)) for s in PublicStatus] == [
        "有效",
        "已撤销",
        "已更正",
        "已撤回",
        "已过期",
        "未找到",
    ]
    assert len({in_lang(EN, lambda s=s: status_word(s)) for s in PublicStatus}) == len(PublicStatus)
    assert len(set(COLOURS.values())) == len(Tone)


def test_valid(app_context) -> None:  # type: ignore[no-untyped-def]
    verdict = verdict_for(VALID)
    assert (verdict.status, verdict.tone, verdict.sentence) == (PublicStatus.VALID, Tone.OK, Sentence.VALID)
    assert verdict.colour == COLOURS[Tone.OK]
    word, text = words(verdict, ZH)
    assert word == "有效" and "当前有效" in text
    assert words(verdict, EN)[0] == "Valid"


def test_unknown_is_the_answer_for_none(app_context) -> None:  # type: ignore[no-untyped-def]
    verdict = verdict_for(None)
    assert (verdict.status, verdict.tone, verdict.sentence) == (PublicStatus.UNKNOWN, Tone.NONE, Sentence.UNKNOWN)
    # The sentence never hints whether the number exists or the name was wrong.
    assert "姓名" in words(verdict, ZH)[1] and "name" in words(verdict, EN)[1]


def test_revoked_names_date_reason_and_doc_no_in_office_time(app_context) -> None:  # type: ignore[no-untyped-def]
    revoked = replace(
        VALID,
        status=PublicStatus.REVOKED,
        # 18:00 UTC is already the next day in Chongqing.
        revoked_at=datetime(2026, 3, 1, 18, 0, tzinfo=UTC),
        revocation_reason="以弄虚作假等不正当手段取得",
        revocation_doc_no="足人社发〔2026〕3号",
    )
    verdict = verdict_for(revoked)
    assert (verdict.tone, verdict.sentence, verdict.revoked_on) == (Tone.BAD, Sentence.REVOKED, date(2026, 3, 2))
    word, text = words(verdict, ZH)
    assert word == "已撤销"
    assert "2026年3月2日" in text and "以弄虚作假等不正当手段取得" in text and "足人社发〔2026〕3号" in text
    english = words(verdict, EN)[1]
    assert "March 2, 2026" in english and "足人社发〔2026〕3号" in english and "年" not in english


def test_revoked_at_naive_is_utc() -> None:
    # SQLite hands back naive datetimes for timezone-aware columns.
    revoked = replace(VALID, status=PublicStatus.REVOKED, revoked_at=datetime(2026, 3, 1, 18, 0))
    assert verdict_for(revoked).revoked_on == date(2026, 3, 2)


def test_superseded_points_to_the_current_version(app_context) -> None:  # type: ignore[no-untyped-def]
    superseded = replace(VALID, status=PublicStatus.SUPERSEDED, current_version=3, current_token="B" * 24)
    verdict = verdict_for(superseded)
    assert (verdict.tone, verdict.sentence) == (Tone.WARN, Sentence.SUPERSEDED)
    assert words(verdict, ZH)[0] == "已更正" and "第 3 版" in words(verdict, ZH)[1]
    assert words(verdict, EN)[0] == "Superseded" and "version 3" in words(verdict, EN)[1]
    assert verdict_for(replace(superseded, current_version=None)).sentence is Sentence.SUPERSEDED_NO_CURRENT


def test_expired_use_copy(app_context) -> None:  # type: ignore[no-untyped-def]
    verdict = verdict_for(replace(VALID, status=PublicStatus.EXPIRED))
    assert words(verdict, ZH)[0] == "已过期" and "加注件" in words(verdict, ZH)[1]
    assert words(verdict, EN)[0] == "Expired"


def test_every_revocation_reason_the_issuer_stores_has_words() -> None:
    from issuer.services.lifecycle import RevocationReason
    from verifier.words.verdict import REVOCATION_REASONS

    assert sorted(reason.label for reason in RevocationReason) == sorted(REVOCATION_REASONS)
