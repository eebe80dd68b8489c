"""Status → the words a person reads first: pure functions, no Flask, no database.

One ``Verdict`` per public status, in Chinese and English, with a tone and colour for
the big banner and one sentence that says what it means and what to do. The page, the
lookup form and the API all use these, so the words never drift apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ecert.clock import office_date
from verifier.lookup import PublicCertificate, PublicStatus


class Tone(enum.StrEnum):
    OK = "ok"
    BAD = "bad"
    WARN = "warn"
    NONE = "none"


# White text on these backgrounds keeps a contrast ratio above 4.5:1 (WCAG AA), also
# on cheap phone screens in daylight.
COLOURS: dict[Tone, str] = {
    Tone.OK: "#1b6e2a",
    Tone.BAD: "#b3141b",
    Tone.WARN: "#8a4b00",
    Tone.NONE: "#4a4f55",
}

WORDS: dict[PublicStatus, tuple[str, str, Tone]] = {
    PublicStatus.VALID: ("有效", "Valid", Tone.OK),
    PublicStatus.REVOKED: ("已撤销", "Revoked", Tone.BAD),
    PublicStatus.SUPERSEDED: ("已更正", "Superseded", Tone.WARN),
    PublicStatus.EXPIRED: ("已过期", "Expired", Tone.WARN),
    PublicStatus.UNKNOWN: ("未找到", "Not found", Tone.NONE),
}


@dataclass(frozen=True)
class Verdict:
    status: PublicStatus
    word_zh: str
    word_en: str
    tone: Tone
    sentence_zh: str
    sentence_en: str

    @property
    def colour(self) -> str:
        return COLOURS[self.tone]

    def word(self, lang: str) -> str:
        return self.word_en if lang == "en" else self.word_zh

    def sentence(self, lang: str) -> str:
        return self.sentence_en if lang == "en" else self.sentence_zh


def verdict_for(certificate: PublicCertificate | None) -> Verdict:
    """The verdict for a lookup result; ``None`` (unknown, malformed, wrong name) is 未找到."""
    status = certificate.status if certificate is not None else PublicStatus.UNKNOWN
    word_zh, word_en, tone = WORDS[status]
    zh, en = _sentences(certificate)
    return Verdict(status, word_zh, word_en, tone, zh, en)


def _sentences(certificate: PublicCertificate | None) -> tuple[str, str]:
    if certificate is None or certificate.status is PublicStatus.UNKNOWN:
        return (
            "登记库中没有与此对应的证书。请核对二维码或证书编号与姓名；如有疑问，请联系发证机关。",
            "The registry holds no matching certificate. Check the QR code, or the number and name; "
            "if in doubt, contact the issuing office.",
        )
    status = certificate.status
    if status is PublicStatus.VALID:
        return (
            "发证机关登记库显示，该证书当前有效。",
            "The issuing office's registry shows this certificate as currently valid.",
        )
    if status is PublicStatus.REVOKED:
        when = certificate.revoked_at
        zh = "该证书已被撤销，不再有效"
        en = "This certificate has been revoked and is no longer valid"
        if when is not None:
            zh = f"该证书已于{zh_date(office_day(when))}被撤销，不再有效"
            en = f"This certificate was revoked on {en_date(office_day(when))} and is no longer valid"
        if certificate.revocation_reason:
            zh += f"。原因：{certificate.revocation_reason}"
            en += f". Reason (in Chinese): {certificate.revocation_reason}"
        if certificate.revocation_doc_no:
            zh += f"；撤销文号：{certificate.revocation_doc_no}"
            en += f"; decision {certificate.revocation_doc_no}"
        return zh + "。", en + "."
    if status is PublicStatus.SUPERSEDED:
        if certificate.current_version is not None:
            return (
                f"该证书已更正，此为第 {certificate.version} 版；请以当前版本（第 {certificate.current_version} 版）为准。",
                f"This certificate was corrected: this is version {certificate.version}; "
                f"version {certificate.current_version} is the current one.",
            )
        return "该证书已更正，此版本已被新版本取代。", "This certificate was corrected; a newer version replaces this one."
    # EXPIRED: a use copy (加注件) past its end date.
    return (
        "该加注件已过期，不能再用于所注明的用途。",
        "This use copy has expired and can no longer be used for the stated purpose.",
    )


def office_day(moment: datetime) -> date:
    # SQLite returns naive datetimes for timezone-aware columns; they are stored in UTC.
    return office_date(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def en_date(day: date) -> str:
    return day.isoformat()


def format_date(day: date, lang: str) -> str:
    return en_date(day) if lang == "en" else zh_date(day)
