"""The words of an uploaded-PDF check: each check's title and explanation, and the summary."""

from __future__ import annotations

from typing import Any

from ecert.i18n import EN, _, _l, current_lang, format_date
from verifier.pdf.report import NOT_RUN, UNAVAILABLE, Check, PdfVerdict
from verifier.status import PublicStatus
from verifier.words.verdict import status_word, use_copy_lines

TITLES = {
    "is_pdf": _l("是可读取的 PDF 文件"),
    "issued_by_us": _l("与本机关签发的文件完全一致"),
    "signature_intact": _l("电子签名完好"),
    "trusted_signer": _l("签名者是发证机关"),
    "coverage": _l("签名后未被修改"),
    "registry_status": _l("证书当前状态有效"),
}

# Explanations that need no parameters, by (check, reason).
_FIXED = {
    ("is_pdf", "ok"): _l("文件是 PDF，大小在限制之内，可以读取。"),
    ("is_pdf", "empty"): _l("文件是空的。"),
    ("is_pdf", "timeout"): _l("读取这个文件所需的计算量超出限制（可能是恶意构造的文件），不能作为有效证书。"),
    ("is_pdf", "memory"): _l("文件解压后过大（可能是恶意构造的“压缩炸弹”），不能作为有效证书。"),
    ("is_pdf", "unsafe"): _l("文件无法安全读取，不能作为有效证书。"),
    ("is_pdf", "damaged"): _l("文件已损坏或不完整（例如被截断），无法作为 PDF 读取。"),
    ("is_pdf", UNAVAILABLE): _l("检查服务暂时繁忙或不可用，文件尚未检查。这不说明文件有问题。"),
    ("is_pdf", "encrypted"): _l(
        "文件已加密，无法核验。本机关签发的电子证书从不加密；加密后另存的文件已不是原件，请上传证书的原始 PDF 文件。"
    ),
    ("is_pdf", "xref_broken"): _l(
        "文件交叉引用表损坏：表中登记的位置上没有相应的对象（文件被改动过或已损坏），不能作为有效证书。"
    ),
    ("issued_by_us", "no_match"): _l(
        "文件与本机关签发的任何文件都不完全一致。这本身不说明证书无效（例如后来加盖了新的时间戳），请看其余检查。"
    ),
    ("signature_intact", "ok"): _l("签名所覆盖的内容与签名时完全一致，签名在密码学上成立。"),
    ("signature_intact", "no_signature"): _l("文件中没有电子签名，不是本机关签发的电子证书。"),
    ("signature_intact", "changed"): _l("签名后文件内容被改动过（或签名已损坏），签名不再成立。"),
    ("signature_intact", "invalid"): _l("电子签名本身无法通过验证。"),
    ("signature_intact", "unreadable"): _l("文件中的电子签名无法完整读取（文件结构已损坏），签名无法核验。"),
    ("signature_intact", "crl_damaged"): _l("文件内的吊销列表已损坏：签名后文件内容被改动过，签名不再成立。"),
    ("signature_intact", "validation_data_damaged"): _l(
        "文件内的验证数据（证书或吊销状态）已损坏：签名后文件内容被改动过，签名不再成立。"
    ),
    ("signature_intact", "timestamp_damaged"): _l("签名之后加盖的存档时间戳已损坏（被改动过），文件不能作为有效证书。"),
    ("trusted_signer", "untrusted"): _l(
        "签名者的证书不是由本机关信任的证书机构签发的：这不是发证机关的签名（可能是仿冒的同名证书）。"
    ),
    ("trusted_signer", "not_office_certificate"): _l(
        "签名证书虽来自受信任的证书机构，但不是发证机关用于签发证书的证书。"
    ),
    ("trusted_signer", "crl_damaged"): _l("文件内的吊销列表已损坏，无法确认签名时签名者的证书有效。"),
    ("trusted_signer", "validation_data_damaged"): _l(
        "文件内的验证数据（证书或吊销状态）已损坏，无法确认签名时签名者的证书有效。"
    ),
    ("trusted_signer", "timestamp_untrusted"): _l("签名之后加盖的存档时间戳不是由本机关信任的时间戳服务签发的。"),
    ("trusted_signer", "validation_data_missing"): _l(
        "签名缺少本机关证书应有的时间戳或验证数据，无法确认签名时签名者的证书有效。"
    ),
    ("coverage", "whole_file"): _l("签名覆盖整个文件。"),
    ("coverage", "only_timestamps_added"): _l("签名覆盖整个文件；之后只添加了时间戳和验证数据。"),
    ("registry_status", "no_record"): _l("文件中没有可识别的证书记录，无法在登记系统中查到它。"),
}

_CHANGES = {
    "another_signature": _l("又添加了一个签名"),
    "appended": _l("在文件末尾追加了数据"),
    "objects_changed": _l("添加或修改了页面内容、批注或其他对象"),
    "metadata": _l("修改了文档信息（标题、主题、关键词、描述等）"),
    "orphan_objects": _l("添加了文件中任何地方都不引用的对象"),
    "shadow_objects": _l("在文件中暗藏了交叉引用表未登记的对象定义"),
    "revision_without_timestamp": _l("追加了一次既不含时间戳也不含验证数据的修订"),
}

# The one line above the checks, for reasons that say more than their check's summary.
_REASON_SUMMARIES = {
    "encrypted": _l("无效：文件已加密，无法核验。请上传证书的原始 PDF 文件。"),
    "xref_broken": _l("无效：文件交叉引用表损坏，文件被改动过或已损坏。"),
    "crl_damaged": _l("无效：文件内的吊销列表已损坏。"),
    "validation_data_damaged": _l("无效：文件内的验证数据已损坏。"),
}

_SUMMARIES = {
    "unavailable": _l("暂时无法检查此文件，请稍后再试。"),
    "is_pdf": _l("无效：这不是一个可以检查的证书 PDF 文件。"),
    "signature_intact": _l("无效：文件没有完好的电子签名，可能在签发后被改动过。"),
    "trusted_signer": _l("无效：这个文件不是由发证机关签名的。"),
    "coverage": _l("无效：文件在签名后被修改过。"),
    "expired": _l("已过期：该加注件已过期，不能再用于所注明的用途。"),
    "withdrawn": _l("已撤回：该加注件已由持证人撤回，不能再用于所注明的用途。"),
    "unknown": _l("无效：登记系统中找不到这份证书。"),
}


def title(check: Check) -> str:
    return str(TITLES[check.code])


def explanation(check: Check) -> str:
    if check.reason == UNAVAILABLE and check.params.get("cause") in ("starved", "killed"):
        return _("检查被中断（服务器繁忙），文件尚未检查完。这不说明文件有问题，请稍后再试。")
    fixed = _FIXED.get((check.code, check.reason))
    if fixed is not None:
        return str(fixed)
    if check.reason == NOT_RUN:
        return _("前面的检查未通过，此项未检查。")
    if check.reason == UNAVAILABLE:
        return _("检查服务暂时不可用，此项未检查。")
    return _explained(check.code, check.reason, check.params)


_STRUCTURE = {
    "revisions": _l("修订版本"),
    "xref_sections": _l("交叉引用段"),
    "objects": _l("对象"),
}


def _explained(code: str, reason: str, p: dict[str, Any]) -> str:
    if reason == "too_complex":
        return _(
            "文件结构过于复杂（%(what)s %(count)s 个，上限 %(limit)s 个），不是本机关签发的证书。",
            what=_STRUCTURE[p["what"]],
            count=p["count"],
            limit=p["limit"],
        )
    if reason == "too_large":
        return _("文件超过 %(mib)s MB，不是本机关签发的证书。", mib=p["mib"])
    if reason == "not_pdf":
        if p.get("kind"):
            return _("这不是 PDF 文件（看起来是 %(kind)s）。请上传证书的 PDF 原件。", kind=p["kind"])
        return _("这不是 PDF 文件。请上传证书的 PDF 原件。")
    if reason == "match":
        return _("文件与本机关签发的证书 %(number)s（第 %(version)s 版）逐字节一致。", **p)
    if reason == "earlier_revision":
        return _(
            "文件是本机关签发的证书 %(number)s（第 %(version)s 版）的较早修订本：此后为长期核验加盖了新的存档时间戳，"
            "证书内容没有变化，修订本不是新版本。",
            number=p["number"],
            version=p["version"],
        )
    if code == "trusted_signer" and reason == "ok":
        return _("签名者是发证机关（%(office)s），其证书由本机关信任的根证书签发，签名时有效。", office=p["office"])
    if reason == "modified":
        separator = ", " if current_lang() == EN else "、"
        changes = separator.join(str(_CHANGES[c]) for c in p["changes"]) or _("内容有变化")
        text = _("签名后文件被改动过：%(changes)s。改动后的文件不能作为有效证书。", changes=changes)
        if p.get("what"):  # the parts by their technical names, the same in every language
            text += (" " if current_lang() == EN else "") + _("改动之处：%(what)s。", what="; ".join(p["what"]))
        return text
    if reason == "not_in_registry":
        return _("登记系统中没有证书 %(number)s（第 %(version)s 版）。", **p)
    return _registry(reason, p)


def _registry(reason: str, p: dict[str, Any]) -> str:
    number, version = p["number"], p["version"]
    if reason == "valid":
        return _("登记系统显示证书 %(number)s（第 %(version)s 版）当前有效。", number=number, version=version)
    if reason == "revoked":
        text = _(
            "证书 %(number)s（第 %(version)s 版）已于%(day)s被撤销，原因：%(reason)s。",
            number=number,
            version=version,
            day=format_date(p["day"]) if p.get("day") else "",
            reason=p["revocation_reason"] or _("未说明"),
        )
        if p.get("doc_no"):
            text += (" " if current_lang() == EN else "") + _("撤销文号：%(doc_no)s。", doc_no=p["doc_no"])
        return text
    if reason == "superseded":
        return _(
            "证书 %(number)s（第 %(version)s 版）已更正，已被第 %(current)s 版取代，请以当前版本为准；证书所载职称仍然有效。",
            number=number,
            version=version,
            current=p["current"],
        )
    if reason == "expired":
        return _("加注件 %(number)s（第 %(version)s 版）已过期。", number=number, version=version)
    if reason == "withdrawn":
        return _("加注件 %(number)s（第 %(version)s 版）已由持证人撤回。", number=number, version=version)
    return _("登记系统中找不到证书 %(number)s（第 %(version)s 版）。", number=number, version=version)


def summary(verdict: PdfVerdict) -> str:
    """The one line above the checks; for a use copy (加注件), with its annotation and its
    certificate's own status after it."""
    said = _summary_line(verdict)
    lines = use_copy_lines(verdict.certificate) if verdict.authentic else []
    return (" " if current_lang() == EN else "").join([said, *lines]) if lines else said


def _summary_line(verdict: PdfVerdict) -> str:
    certificate = verdict.certificate
    if verdict.summary == "valid" and certificate is not None:
        return _(
            "有效：这是发证机关签发的职称电子证书 %(number)s（第 %(version)s 版），签名后未被修改，当前有效。",
            number=certificate.number,
            version=certificate.version,
        )
    if verdict.summary == "revoked" and certificate is not None:
        return _(
            "已撤销：证书 %(number)s 已被撤销（%(reason)s），不再有效。",
            number=certificate.number,
            reason=certificate.revocation_reason or _("原因未说明"),
        )
    if verdict.summary == "superseded" and certificate is not None:
        return _(
            "已更正：这是发证机关签发的证书 %(number)s（第 %(version)s 版），签名后未被修改；"
            "该证书后来已更正为第 %(current)s 版，请以当前版本为准。证书所载职称仍然有效。",
            number=certificate.number,
            version=certificate.version,
            current=certificate.current_version,
        )
    failed = next((c for c in verdict.checks if c.code == verdict.summary), None)
    if failed is not None and failed.reason in _REASON_SUMMARIES:
        return str(_REASON_SUMMARIES[failed.reason])
    return str(_SUMMARIES.get(verdict.summary, _SUMMARIES["unknown"]))


def verdict_word(verdict: PdfVerdict) -> str:
    """The big word: the certificate's status when the file is authentic, else 无效 (or 暂时无法检查)."""
    if verdict.unavailable:
        return _("暂时无法检查")
    status = verdict.status
    if status is None or status is PublicStatus.UNKNOWN:
        return _("无效")
    return status_word(status)


def outcome_word(check: Check) -> str:
    """通过 / 未通过 / 未检查."""
    if check.passed is None:
        return _("未检查")
    return _("通过") if check.passed else _("未通过")
