"""Notices in words (``ecert.notifications`` keeps only kinds and parameters): for the
portal's page and the text the notifier sends. A new kind adds its sentence here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecert.i18n import _


def notice_title(kind: str) -> str:
    titles = {
        "certificate.revoked": _("证书已撤销"),
        "certificate.corrected": _("证书已更正"),
        "certificate.reinstated": _("证书已恢复有效"),
        "correction.answered": _("更正申请已答复"),
        "legacy.returned": _("纸质证书转换申请需补正"),
        "legacy.rejected": _("纸质证书转换申请不予转换"),
        "legacy.approved": _("纸质证书已转换为电子证书"),
    }
    return titles.get(kind, _("通知"))


def notice_sentence(kind: str, number: str, params: Mapping[str, Any]) -> str:
    if kind == "certificate.revoked":
        return _(
            "您的证书 %(number)s 第 %(version)s 版已被撤销（撤销文号：%(doc_no)s）。原因：%(reason)s",
            number=number,
            version=params.get("version", ""),
            doc_no=params.get("doc_no", ""),
            reason=_reason(params),
        )
    if kind == "certificate.reinstated":
        return _(
            "您的证书 %(number)s 第 %(version)s 版经核查恢复有效（文号：%(doc_no)s）。",
            number=number,
            version=params.get("version", ""),
            doc_no=params.get("doc_no", ""),
        )
    if kind == "certificate.corrected":
        return _(
            "您的证书 %(number)s 已更正：第 %(version)s 版已签发，第 %(previous)s 版已被取代。请在“我的证书”下载新版本。",
            number=number,
            version=params.get("version", ""),
            previous=params.get("previous", ""),
        )
    if kind == "correction.answered":
        if params.get("outcome") == "accepted":
            return _("您对证书 %(number)s 的更正申请已有答复：已受理，工作人员将签发更正后的新版本。", number=number)
        return _("您对证书 %(number)s 的更正申请已有答复：不予更正，原因见申请页面。", number=number)
    if kind == "legacy.returned":
        return _(
            "您的纸质证书转换申请（第 %(application)s 号）已退回补正：请按工作人员的说明修改或补充材料后重新提交。",
            application=params.get("application_id", ""),
        )
    if kind == "legacy.rejected":
        return _(
            "您的纸质证书转换申请（第 %(application)s 号）经审核不予转换，原因见申请页面。",
            application=params.get("application_id", ""),
        )
    if kind == "legacy.approved":
        return _(
            "您的纸质证书转换申请（第 %(application)s 号）已批准，电子证书 %(number)s 已签发，可在“我的证书”下载打印。",
            application=params.get("application_id", ""),
            number=number,
        )
    return _("您的证书 %(number)s 有新的通知。", number=number)


def _reason(params: Mapping[str, Any]) -> str:
    # The codes of issuer.services.lifecycle.RevocationReason, in the console's words.
    words = {
        "fraud": _("以弄虚作假等不正当手段取得"),
        "wrongly_granted": _("不符合条件或程序错误"),
        "decision_withdrawn": _("审批决定已撤回"),
    }
    reason = str(params.get("reason", ""))
    word = words.get(reason, reason)
    note = params.get("note")
    return _("%(reason)s：%(note)s", reason=word, note=note) if note else word


def notice_text(kind: str, number: str, params: Mapping[str, Any]) -> str:
    """The text sent through the notifier: the sentence, and where to read more."""
    return _("【电子职称证书】%(sentence)s 详情请登录“我的证书”查看。", sentence=notice_sentence(kind, number, params))
