"""Words for two-person acts (``issuer.services.acts``), shared by the console and the commands."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

from ecert.i18n import _l
from issuer import IssuerError
from issuer.cli.words import issuer_error_text

ACT_WORDS: Mapping[str, LazyString] = {
    "act.not_found": _l("没有编号为 %(act)s 的双人操作"),
    "act.closed": _l("此操作的状态为“%(state)s”，不能再确认或取消"),
    "act.same_person": _l("提出此操作的账号不能自己确认：须由另一名工作人员确认"),
    "act.not_proposer": _l("只有提出人可以取消此操作"),
    "act.not_allowed": _l("此账号无权进行此操作"),
    "act.proposer_not_allowed": _l("提出此操作的账号已停用或已不再具有相应权限，不能确认；请重新提出"),
    "act.empty": _l("没有由 %(doc_no)s 批准的有效证书"),
    "act.list_changed": _l("预览之后，%(doc_no)s 名下的证书有变动；请核对新的预览后再提出"),
    "certificate.not_revoked": _l("证书 %(number)s 第 %(version)s 版不是已撤销状态，无需恢复"),
}

STATE_WORDS: Mapping[str, LazyString] = {
    "pending": _l("待确认"),
    "confirmed": _l("已确认，正在执行"),
    "done": _l("已执行"),
    "cancelled": _l("已取消"),
    "expired": _l("已过期"),
}

KIND_WORDS: Mapping[str, LazyString] = {
    "batch_revoke": _l("按批准文号批量撤销"),
    "reinstate": _l("恢复证书效力"),
}


def act_error_text(error: IssuerError) -> str:
    code = getattr(error, "code", None)
    if isinstance(code, str) and code in ACT_WORDS:
        params = dict(getattr(error, "params", {}))
        if code == "act.closed":
            params["state"] = str(STATE_WORDS.get(str(params.get("state")), params.get("state")))
        return str(ACT_WORDS[code]) % params if params else str(ACT_WORDS[code])
    return issuer_error_text(error)
