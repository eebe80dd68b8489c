"""The words of correction requests: the fields a holder points at, why an attachment is
refused, and the answers (lazy: read at the edge, in the page's language)."""

from __future__ import annotations

from ecert.i18n import _l

FIELD_WORDS = {
    "name": _l("姓名"),
    "gender": _l("性别"),
    "employer": _l("工作单位"),
    "series": _l("系列"),
    "specialty": _l("专业"),
    "level": _l("级别"),
    "qualification": _l("资格名称"),
    "approval_date": _l("取得资格时间"),
    "approving_body": _l("审批机关"),
    "doc_no": _l("审批文号"),
    "photo": _l("照片"),
    "other": _l("其他"),
}

REFUSAL_WORDS = {
    "empty": _l("所选文件是空的，请重新选择"),
    "too_large": _l("文件超过 10 MB，请压缩或分页扫描后再上传"),
    "unsupported_type": _l("只能上传 PDF、JPEG 或 PNG 文件（按文件内容判断，不看文件名）"),
    "unreadable": _l("文件已损坏或无法读取，请重新扫描或导出后再上传"),
    "too_many_pixels": _l("图片像素过多，请缩小后再上传"),
    "encrypted": _l("PDF 设有密码或加密，无法查看；请上传未加密的文件"),
    "javascript": _l("PDF 含有脚本（JavaScript），出于安全原因不能接收；请打印为新的 PDF 或上传图片"),
    "open_action": _l("PDF 含有打开时自动运行的动作，出于安全原因不能接收；请打印为新的 PDF 或上传图片"),
    "launch": _l("PDF 含有启动其他程序的动作，出于安全原因不能接收；请打印为新的 PDF 或上传图片"),
    "embedded_files": _l("PDF 内嵌了其他文件，出于安全原因不能接收；请只上传 PDF 本身或图片"),
    "xfa": _l("PDF 是 XFA 动态表单，无法接收；请打印为普通 PDF 后再上传"),
}

OUTCOME_WORDS = {
    "accepted": _l("已受理：工作人员将更正证书，更正后会签发新版本"),
    "declined": _l("不予更正"),
}
