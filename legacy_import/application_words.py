"""The words of the holder's application pages: the cases, the claim's fields, the
evidence kinds, the statuses, and why an upload or a step was refused (lazy: read at the
edge, in the page's language)."""

from __future__ import annotations

from ecert.i18n import _l

CASE_WORDS = {
    "intact": _l("纸质证书完好"),
    "lost": _l("纸质证书遗失或损毁"),
    "incomplete": _l("纸质证书信息不全"),
}

CASE_HINTS = {
    "intact": _l("证书还在、字迹清楚。请按证书填写，并上传证书的扫描件或清晰照片（含证书编号的一页）。"),
    "lost": _l(
        "证书丢了或坏得看不清。请填写您记得的内容，并上传经人事档案管理部门核实的《职称申报评审表》、"
        "《考核确定职称呈报表》或档案部门出具的证明（任选其一）。"
    ),
    "incomplete": _l(
        "证书在，但缺少信息（如没有文号、编号或日期）。请填写证书上有的内容，并上传经人事档案管理部门核实的"
        "《职称申报评审表》、《考核确定职称呈报表》或档案部门出具的证明（任选其一）；证书扫描件也可一并上传。"
    ),
}

FIELD_WORDS = {
    "name": _l("姓名"),
    "gender": _l("性别"),
    "qualification": _l("资格名称"),
    "series": _l("系列"),
    "specialty": _l("专业"),
    "level": _l("层级"),
    "grant_route": _l("取得方式"),
    "approval_date": _l("审批时间"),
    "approving_body": _l("审批机关"),
    "doc_no": _l("审批文号"),
    "paper_number": _l("纸质证书编号"),
    "employer": _l("当时工作单位"),
}

FIELD_HINTS = {
    "qualification": _l("例如：工程师、主治医师、一级教师"),
    "series": _l("例如：工程、卫生、中小学教师"),
    "approval_date": _l("证书或档案上的批准日期（取得资格时间），例如：2003年7月1日；只知道年月的写 2003年7月"),
    "approving_body": _l("例如：重庆市大足县职称改革领导小组"),
    "doc_no": _l("例如：足职改发〔2003〕12号；不清楚可不填"),
    "paper_number": _l("证书上印的编号；遗失的可不填"),
}

GENDER_WORDS = {"男": _l("男"), "女": _l("女")}

GRANT_ROUTE_WORDS = {
    "evaluation": _l("评审"),
    "determination": _l("考核确定（初定）"),
    "recognition": _l("确认"),
}

EVIDENCE_WORDS = {
    "paper_certificate": _l("纸质证书扫描件或照片"),
    "review_form": _l("《职称申报评审表》"),
    "report_form": _l("《考核确定职称呈报表》"),
    "archive_letter": _l("人事档案管理部门出具的证明"),
}

STATUS_WORDS = {
    "draft": _l("草稿（未提交）"),
    "submitted": _l("已提交，等待审查"),
    "recommended": _l("审查中（已初审通过，等待审批）"),
    "approving": _l("已批准，正在签发电子证书"),
    "returned": _l("已退回补正"),
    "approved": _l("已通过，电子证书已签发"),
    "rejected": _l("未通过"),
    "withdrawn": _l("已撤回"),
}

# Refusals of the upload form itself; the file's own are ``legacy_import.evidence_words``.
REFUSAL_WORDS = {
    "no_file": _l("请先选择要上传的文件"),
    "no_kind": _l("请选择这份材料是什么"),
    "too_many_files": _l("每份申请最多上传 %(n)s 个文件；请先删除不需要的文件"),
}

STEP_WORDS = {
    "submit": _l("提交"),
    "resubmit": _l("重新提交"),
    "withdraw": _l("撤回"),
    "save_draft": _l("保存"),
    "add_evidence": _l("上传材料"),
    "remove_evidence": _l("删除材料"),
}
