"""The review's words: statuses, cases, claim fields, and why a step was refused
(``legacy_import.review`` and ``legacy_import.approval`` return codes; the pages say them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecert.i18n import _, _l
from issuer.cli.words import column_label
from legacy_import import workflow
from legacy_import.application_words import GRANT_ROUTE_WORDS
from legacy_import.claim import INCOMPLETE, INTACT, LOST
from legacy_import.finding_words import EVIDENCE_LABELS, FIELD_LABELS

STATUS_WORDS: Mapping[str, Any] = {
    workflow.DRAFT: _l("草稿"),
    workflow.SUBMITTED: _l("待审查"),
    workflow.RETURNED: _l("已退回补正"),
    workflow.RECOMMENDED: _l("已审查，待审批"),
    workflow.APPROVING: _l("已批准，正在签发"),
    workflow.APPROVED: _l("已批准"),
    workflow.REJECTED: _l("不予转换"),
    workflow.WITHDRAWN: _l("已撤回"),
}

CASE_WORDS: Mapping[str, Any] = {
    INTACT: _l("纸质证书完好"),
    LOST: _l("纸质证书遗失或损毁"),
    INCOMPLETE: _l("证书信息不全"),
}

# The staff pages name fields and evidence as the findings beside them do: one table.
EVIDENCE_WORDS: Mapping[str, Any] = EVIDENCE_LABELS

ACTION_WORDS: Mapping[str, Any] = {
    workflow.RECOMMEND: _l("审查通过，提请审批"),
    workflow.APPROVE: _l("批准并签发电子证书"),
    workflow.RETURN: _l("退回补正"),
    workflow.REJECT: _l("不予转换"),
}

# Why a staff member may not take a step (``legacy_import.NotAllowed.code``).
REFUSAL_WORDS: Mapping[str, Any] = {
    "in_progress": _l("另一名审批人正在签发此申请的电子证书，请稍后刷新查看。"),
    "same_person": _l("审查人与审批人须为两名不同的工作人员（谁审查、谁签字、谁负责）：您已审查此申请，不能再审批。"),
    "applicant": _l("您与申请人同名或手机号码相同，须回避（利益冲突）：请由其他工作人员处理。"),
    "role": _l("您的角色不能执行此操作。"),
    "not_found": _l("没有此申请。"),
    "message_required": _l("请填写给申请人的说明。"),
    "unknown_field": _l("此项目不能更正。"),
    "unchanged": _l("新值与原值相同，无需更正。"),
}


def field_label(name: str) -> str:
    """The claim field as staff know it: the findings' word, else the decisions file's column name."""
    return str(FIELD_LABELS.get(name) or column_label(name))


def claim_value(name: str, value: str | None) -> str:
    """A claimed or roster value as staff read it: the grant route's word, not its code."""
    if name == "grant_route" and value:
        return str(GRANT_ROUTE_WORDS.get(value, value))
    return value or ""


def status_word(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


def transition_refused(status: str, action: str) -> str:
    return _(
        "此申请当前为“%(status)s”，不能%(action)s。",
        status=status_word(status),
        action=str(ACTION_WORDS.get(action, action)),
    )
