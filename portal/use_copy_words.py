"""A use copy's refusals and statuses in the holder's language (the views' edge)."""

from __future__ import annotations

from datetime import date

from ecert.i18n import _, format_date
from issuer.services.use_copy import UseCopyError


def error_text(error: UseCopyError) -> str:
    p = dict(error.params)
    code = error.code
    if code == "use_copy.limit":
        return _(
            "近 90 天内此证书已制作 %(limit)s 份加注件（已撤回的也计算在内），%(day)s起可再制作。",
            limit=p["limit"],
            day=format_date(date.fromisoformat(str(p["next_day"]))),
        )
    if code == "use_copy.certificate_not_valid":
        return _("只有当前有效的证书才能制作加注件。")
    if code == "use_copy.not_valid":
        return _("该加注件已撤回或已过期，无需再撤回。")
    if code == "use_copy.empty":
        return _("请填写此项")
    if code == "use_copy.too_long":
        return _("最多 %(max)s 个字", max=p["max"])
    if code == "use_copy.control":
        return _("含有无法打印的控制字符，请删除后重试")
    if code == "use_copy.unprintable":
        return _("证书字体无法打印这些字：%(characters)s；请改用常用字", characters=p["characters"])
    if code == "use_copy.date_past":
        return _("有效期不能早于今天（%(day)s）", day=_day(p["today"]))
    if code == "use_copy.date_too_far":
        return _("有效期最长 90 天，最晚可选 %(day)s", day=_day(p["latest"]))
    return _("未找到该加注件或证书。")


def _day(text: object) -> str:
    return format_date(date.fromisoformat(str(text)))
