"""The words staff read for each finding of the automatic checks (``legacy_import.checks``).

Chinese msgids, English in ``translations/english/checks.json``. ``describe`` turns a
stored finding (code and params) into one sentence in the current language; a code it
does not know still reads as the code and its params, never as nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString

from ecert.i18n import _, _l
from legacy_import.findings import HIGH, INFO, LOW, MEDIUM

SEVERITY_LABELS: Mapping[int, LazyString] = {
    INFO: _l("提示"),
    LOW: _l("一般"),
    MEDIUM: _l("重要"),
    HIGH: _l("严重"),
}

FIELD_LABELS: Mapping[str, LazyString] = {
    "name": _l("姓名"),
    "id_number": _l("身份证号码"),
    "qualification": _l("资格名称"),
    "series": _l("系列"),
    "level": _l("层级"),
    "approval_date": _l("审批时间"),
    "approving_body": _l("审批机关"),
    "doc_no": _l("文号"),
    "paper_number": _l("纸质证书编号"),
}

EVIDENCE_LABELS: Mapping[str, LazyString] = {
    "paper_certificate": _l("纸质证书扫描件"),
    "review_form": _l("《职称申报评审表》"),
    "report_form": _l("《考核确定职称呈报表》"),
    "archive_letter": _l("人事档案部门的证明"),
}

_HOW: Mapping[str, LazyString] = {"same_file": _l("同一文件"), "near_image": _l("几乎相同的图像")}

_ID_PROBLEMS: Mapping[str, LazyString] = {
    "id_number.old_format": _l("是 15 位旧号码"),
    "id_number.length": _l("位数不对"),
    "id_number.characters": _l("含有不应有的字符"),
    "id_number.region": _l("地区码无效"),
    "id_number.birth_date": _l("出生日期无效"),
    "id_number.birth_future": _l("出生日期晚于今天"),
    "id_number.checksum": _l("校验码不符"),
}

_WORDS: Mapping[str, LazyString] = {
    "id_number.invalid": _l("申请人的身份证号码无效（%(problem)s）"),
    "id_number.not_account": _l("申请中的身份证号码与登录账号的身份证号码不一致"),
    "approval_date.absent": _l("未填写审批时间"),
    "approval_date.unreadable": _l("审批时间 %(value)s 不是可识别的日期"),
    "approval_date.month_only": _l(
        "审批时间只到月（%(value)s）；签发电子证书需要具体日期，请按档案材料在“更正申请数据”中补全到日"
    ),
    "approval_date.electronic_era": _l(
        "审批时间 %(date)s 不早于 2021 年 1 月 1 日：此后取得的职称已发电子证书，无纸质证书可转换"
    ),
    "age.too_young": _l("按身份证号码，审批时持证人仅 %(age)s 周岁（不足 %(minimum)s 周岁）"),
    "age.too_old": _l("按身份证号码，审批时持证人已 %(age)s 周岁（超过 %(maximum)s 周岁）"),
    "doc_no.absent": _l("未填写文号"),
    "doc_no.format": _l("文号 %(doc_no)s 的格式应如 %(example)s"),
    "doc_no.year_mismatch": _l(
        "文号 %(doc_no)s 的年份 %(year)s 与审批时间的年份 %(approval_year)s 不符（应为当年或次年）"
    ),
    "qualification.mismatch": _l("资格名称 %(qualification)s 与 %(series)s 系列的 %(level)s 不符（应为 %(expected)s）"),
    "qualification.no_such_level": _l("%(series)s 系列没有 %(level)s（其层级：%(levels)s）"),
    "level.unknown": _l("层级 %(level)s 应为 %(levels)s 之一"),
    "qualification.series_unlisted": _l("%(series)s 系列不在本系统的资格名称表中，未核对资格名称与层级"),
    "evidence.missing": _l("缺少必需的证明材料：%(kinds)s 至少一种"),
    "evidence.duplicate_other": _l(
        "证明材料 %(kind)s 与另一申请人的申请（第 %(application_id)s 号）中的材料是%(how)s%(detail)s"
    ),
    "evidence.duplicate_own": _l(
        "证明材料 %(kind)s 与本人另一份申请（第 %(application_id)s 号）中的材料是%(how)s%(detail)s"
    ),
    "evidence.same_layout": _l(
        "证明材料 %(kind)s 的版面与另一申请人的申请（第 %(application_id)s 号）中的材料几乎相同%(detail)s，"
        "但文字识别读到的身份证号码不同：可能是同一种表格，也可能是改过的扫描件，请对照预览"
    ),
    "certificate.exists": _l("该持证人已有资格名称为 %(qualification)s 的电子证书 %(number)s%(status)s"),
    "certificate.paper_converted": _l("该纸质证书编号已转换为本人的电子证书 %(number)s%(status)s"),
    "certificate.paper_converted_other": _l("该纸质证书编号已转换为另一持证人的电子证书 %(number)s%(status)s"),
    "roster.exact": _l("与档案名册（%(source)s 第 %(row)s 行）完全一致"),
    "roster.agrees": _l("与档案名册（%(source)s 第 %(row)s 行）所记各项一致，名册或申请缺少部分项目"),
    "roster.none": _l("档案名册中没有找到本人的记录；很多档案名册尚未导入，这不是拒绝的理由，请对照证明材料审核"),
    "roster.paper_number_other": _l("档案名册（%(source)s 第 %(row)s 行）中该纸质证书编号属于另一人"),
    "roster.paper_number_other_id": _l(
        "档案名册（%(source)s 第 %(row)s 行）中该纸质证书编号的姓名相同，但身份证号码不是申请人的：请核对是否录入有误或同名"
    ),
    "roster.id_upgraded": _l("档案名册（%(source)s 第 %(row)s 行）记的是本身份证号码的 15 位旧号码（已升级为 18 位）"),
    "roster.homophone": _l(
        "姓名与档案名册（%(source)s 第 %(row)s 行）同音不同字：申请为 %(claimed)s，名册为 %(roster)s；请核对哪一个正确"
    ),
    "roster.name_differs": _l(
        "身份证号码相同，但姓名与档案名册（%(source)s 第 %(row)s 行）不同：申请为 %(claimed)s，名册为 %(roster)s"
    ),
    "roster.month_only": _l("档案名册（%(source)s 第 %(row)s 行）的审批时间只记到月（%(roster)s），无法核对日"),
    "roster.differs": _l(
        "%(field)s与档案名册（%(source)s 第 %(row)s 行）不一致：申请为 %(claimed)s，名册为 %(roster)s"
    ),
    "ocr.no_text": _l("证明材料的文字识别（OCR）没有读出文字"),
    "ocr.found": _l("文字识别（OCR）在证明材料中读到了：%(fields)s（仅供参考）"),
    "ocr.partly": _l("文字识别（OCR）在证明材料中读到了相近的：%(fields)s（有一个字符不同，仅供参考）"),
    "ocr.not_found": _l(
        "文字识别（OCR）在证明材料中没有读到：%(fields)s（扫描件模糊、手写或盖章时常读不出，仅供参考）"
    ),
}


def describe(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for a finding in the current language."""
    words = _WORDS.get(code)
    if words is None:
        return " ".join([code, *(f"{key}={value}" for key, value in params.items())])
    shown = {key: _shown(key, value) for key, value in params.items()}
    shown.setdefault("detail", _detail(params))
    if "status" in params:
        shown["status"] = _status(str(params["status"]))
    return str(words) % _Defaulting(shown)


def severity_label(severity: int) -> str:
    return str(SEVERITY_LABELS.get(severity, SEVERITY_LABELS[HIGH]))


class _Defaulting(dict):
    """``%`` formatting that shows a missing parameter as empty rather than raising: an
    older stored finding still reads."""

    def __missing__(self, key: str) -> str:
        return ""


def _shown(key: str, value: Any) -> Any:
    if key == "field":
        return str(FIELD_LABELS.get(str(value), value))
    if key == "fields":
        return _("、").join(str(FIELD_LABELS.get(str(name), name)) for name in value)
    if key == "kind":
        return str(EVIDENCE_LABELS.get(str(value), value))
    if key == "kinds":
        return _("、").join(str(EVIDENCE_LABELS.get(str(name), name)) for name in value)
    if key == "how":
        return str(_HOW.get(str(value), value))
    if key == "problem":
        return str(_ID_PROBLEMS.get(str(value), value))
    if isinstance(value, list | tuple):
        return _("、").join(str(item) for item in value)
    return value


def _detail(params: Mapping[str, Any]) -> str:
    parts = []
    if "distance" in params:
        parts.append(_("感知哈希相差 %(distance)s 位", distance=params["distance"]))
    if params.get("deleted"):
        parts.append(_("该材料已按保存期限删除"))
    return _("（%(parts)s）", parts=_("；").join(parts)) if parts else ""


def _status(status: str) -> str:
    words = {"revoked": _("已撤销"), "superseded": _("已更正"), "pending": _("签发中")}.get(status)
    return _("（%(status)s）", status=words) if words else ""
