"""The words of a registry verdict: the status word and its one explaining sentence."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ecert.i18n import EN, ZH, _, _l, current_lang, force_locale, format_date
from verifier.lookup import PublicCertificate
from verifier.status import PublicStatus
from verifier.verdict import Sentence, Verdict

T = TypeVar("T")

WORDS = {
    PublicStatus.VALID: _l("有效"),
    PublicStatus.REVOKED: _l("已撤销"),
    PublicStatus.SUPERSEDED: _l("已更正"),
    PublicStatus.WITHDRAWN: _l("已撤回"),
    PublicStatus.EXPIRED: _l("已过期"),
    PublicStatus.UNKNOWN: _l("未找到"),
}

_BABEL = {ZH: "zh_CN", EN: "en"}


def in_lang(lang: str, say: Callable[[], T]) -> T:
    """``say()`` in ``lang`` (``zh-CN`` or ``en``), whatever the request's language: for the
    API's documented pairs of fields (``word_zh`` / ``word_en``)."""
    with force_locale(_BABEL[lang]):
        return say()


def status_word(status: PublicStatus) -> str:
    return str(WORDS[status])


def sentence(verdict: Verdict) -> str:
    """The sentence under the word: what it means and what to do."""
    certificate = verdict.certificate
    if verdict.sentence is Sentence.VALID:
        return _("发证机关登记库显示，该证书当前有效。")
    if verdict.sentence is Sentence.EXPIRED:  # a use copy (加注件) past its end date
        return _("该加注件已过期，不能再用于所注明的用途。")
    if verdict.sentence is Sentence.WITHDRAWN:  # a use copy its holder withdrew
        return _("该加注件已由持证人撤回，不能再用于所注明的用途。")
    if verdict.sentence is Sentence.SUPERSEDED_NO_CURRENT:
        return _("该证书已更正，此版本已被新版本取代；证书所载职称仍然有效。")
    if verdict.sentence is Sentence.SUPERSEDED and certificate is not None:
        return _(
            "该证书已更正，此为第 %(version)s 版，已被第 %(current)s 版取代，请以当前版本为准；证书所载职称仍然有效。",
            version=certificate.version,
            current=certificate.current_version,
        )
    if verdict.sentence is Sentence.REVOKED and certificate is not None:
        return _revoked(verdict)
    return _("登记库中没有与此对应的证书。请核对二维码或证书编号与姓名；如有疑问，请联系发证机关。")


# The labels ``issuer.services.lifecycle.RevocationReason`` stores (a test keeps them equal).
REVOCATION_REASONS = {
    "以弄虚作假等不正当手段取得": _l("以弄虚作假等不正当手段取得"),
    "不符合条件或程序错误": _l("不符合条件或程序错误"),
    "审批决定已撤回": _l("审批决定已撤回"),
}


def _revoked(verdict: Verdict) -> str:
    certificate = verdict.certificate
    assert certificate is not None
    if verdict.revoked_on is not None:
        parts = [_("该证书已于%(day)s被撤销，不再有效。", day=format_date(verdict.revoked_on))]
    else:
        parts = [_("该证书已被撤销，不再有效。")]
    # The registry keeps the reason as the issuer's Chinese label: the known labels are
    # said in the reader's language; anything else is the office's own words, as recorded.
    if certificate.revocation_reason:
        known = REVOCATION_REASONS.get(certificate.revocation_reason)
        if known is not None:
            parts.append(_("原因：%(reason)s。", reason=known))
        else:
            parts.append(_("原因（登记原文）：%(reason)s。", reason=certificate.revocation_reason))
    if certificate.revocation_doc_no:
        parts.append(_("撤销文号：%(doc_no)s。", doc_no=certificate.revocation_doc_no))
    return (" " if current_lang() == EN else "").join(parts)


def use_copy_lines(certificate: PublicCertificate | None) -> list[str]:
    """A use copy's annotation and its certificate's own status, as two lines (none for a
    certificate): what the copy is for, and that the title behind it still stands (or not)."""
    if certificate is None or certificate.use_copy is None:
        return []
    copy = certificate.use_copy
    return [
        _(
            "加注件：仅供 %(recipient)s %(purpose)s 使用，有效期至 %(day)s",
            recipient=copy.recipient,
            purpose=copy.purpose,
            day=format_date(copy.valid_until),
        ),
        _("所依据的证书：%(word)s", word=status_word(copy.certificate_status)),
    ]
