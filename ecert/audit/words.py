"""The audit log's codes in the operator's language (the commands' edge)."""

from __future__ import annotations

from ecert.audit.errors import AuditError
from ecert.i18n import _
from ecert.vocab.problem import Problem


def status_word(status: str) -> str:
    return {
        "valid": _("有效"),
        "revoked": _("已撤销"),
        "superseded": _("已更正"),
        "pending": _("签发中"),
        "withdrawn": _("已撤回"),
        "expired": _("已过期"),
    }.get(status, status)


def problem_text(problem: Problem) -> str:
    params = dict(problem.params)
    for name in ("registry", "audit"):
        if name in params:
            params[name] = status_word(str(params[name]))
    words = {
        "audit.gap": _("第 %(seq)s 条事件：应为第 %(expected)s 条（有缺失或顺序被改）"),
        "audit.link": _("第 %(seq)s 条事件：prev_hash 与上一条事件不符"),
        "audit.altered": _("第 %(seq)s 条事件：内容与其 MAC 不符（已被改动，或在没有审计密钥的情况下重算）"),
        "audit.unknown_key": _(
            "第 %(seq)s 条事件：由密钥 %(key_id)s 加签，但未配置该密钥（ECERT_AUDIT_KEY_FILE 或 ECERT_AUDIT_RETIRED_KEY_FILES）"
        ),
        "audit.downgraded": _("第 %(seq)s 条事件：未加密钥，却排在已加密钥的事件之后（旧事件只能在链首）"),
        "anchor.unreadable": _("锚点 %(file)s 无法读取：%(reason)s"),
        "anchor.unknown_key": _("锚点 %(file)s：由密钥 %(key_id)s 加签，但未配置该密钥"),
        "anchor.forged": _("锚点 %(file)s：MAC 不成立（伪造或已被改动）"),
        "anchor.timestamp": _("锚点 %(file)s：时间戳无效（%(reason)s）"),
        "anchor.truncated": _("锚点 %(file)s 记录了第 %(seq)s 条事件，但日志只到第 %(last)s 条：最新的事件已被删除"),
        "anchor.mismatch": _("锚点 %(file)s：第 %(seq)s 条事件与锚点记录的不符（日志已被改写）"),
        "registry.status": _("证书 %(number)s 第 %(version)s 版：登记状态为 %(registry)s，审计日志记录为 %(audit)s"),
        "registry.unaudited": _("证书 %(number)s 第 %(version)s 版：登记状态为 %(registry)s，但审计日志中没有它的事件"),
        "registry.sha256": _("证书 %(number)s 第 %(version)s 版：登记的 PDF SHA-256 不是审计日志记录的那一个"),
        "registry.doc_no": _(
            "证书 %(number)s 第 %(version)s 版：登记的撤销文号为 %(registry)s，审计日志记录为 %(audit)s"
        ),
        "registry.missing": _("证书 %(number)s 第 %(version)s 版：审计日志记录为 %(audit)s，但登记表中没有这一版"),
        "use_copy.status": _("加注件 %(copy)s：登记状态为 %(registry)s，审计日志记录为 %(audit)s"),
        "use_copy.altered": _("加注件 %(copy)s：登记的 %(column)s 不是审计日志在制作时记录的那一个"),
        "use_copy.unaudited": _("加注件 %(copy)s：登记表中有它，但审计日志中没有它的事件"),
        "use_copy.missing": _("加注件 %(copy)s：审计日志记录为 %(audit)s，但登记表中没有它"),
    }
    return words[problem.code] % params


def error_text(error: AuditError) -> str:
    words = {
        "audit.key_missing": _("生产环境必须用 ECERT_AUDIT_KEY_FILE 指定审计密钥才能写入审计事件；本次未写入任何内容"),
        "audit.key_unreadable": _("无法读取审计密钥 %(path)s：%(reason)s"),
        "audit.key_format": _("审计密钥 %(path)s 应为一行十六进制，至少 %(bytes)s 个随机字节"),
        "audit.no_trail": _("数据库未带审计密钥设置打开，无法写入审计事件"),
        "audit.no_timestamper": _("没有可用的时间戳服务，无法写入审计锚点"),
        "audit.anchor_failed": _("变更已提交，但审计锚点未能写入：%(reason)s；请运行 ecert audit anchor 重试"),
    }
    return words[error.code] % dict(error.params)
