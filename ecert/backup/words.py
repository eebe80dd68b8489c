"""The backup's codes in the operator's language (the commands' edge)."""

from __future__ import annotations

from ecert.backup import BackupError
from ecert.i18n import _
from ecert.vocab.problem import Problem


def problem_text(problem: Problem) -> str:
    words = {
        "restore.missing": _("备份中缺少文件 %(file)s"),
        "restore.size": _("备份文件 %(file)s 不完整：应为 %(expected)s 字节，实为 %(actual)s 字节"),
        "restore.altered": _("备份文件 %(file)s 已损坏：内容与清单记录的 SHA-256 不符"),
        "restore.unreadable": _("无法读取备份文件 %(file)s：%(reason)s"),
    }
    return words[problem.code] % dict(problem.params)


def error_text(error: BackupError) -> str:
    if error.code == "restore.damaged":
        return _(
            "备份未通过完整性核对（%(count)s 个文件缺失或损坏），未写入任何内容；请改用完好的备份",
            count=len(error.problems),
        )
    words = {
        "backup.target_not_empty": _("备份目录 %(dir)s 已存在且不是空的；请指定一个新的或空的目录"),
        "backup.unsupported_database": _("无法备份数据库 %(url)s：只支持 SQLite 文件和 PostgreSQL"),
        "backup.no_database": _("数据库文件 %(file)s 不存在"),
        "backup.tool_missing": _("找不到 %(tool)s（在 %(dir)s 中）；请安装 postgresql-15 或设置 ECERT_PG_BIN"),
        "backup.tool_failed": _("%(tool)s 失败：%(reason)s"),
        "restore.no_manifest": _("%(file)s 不存在：这不是备份目录，或备份没有完成"),
        "restore.manifest_unreadable": _("备份清单 %(file)s 无法读取：%(reason)s"),
        "restore.format": _("备份清单的格式版本 %(version)s 无法识别；请用制作该备份的 ecert 版本恢复"),
        "restore.bad_path": _("备份清单中的路径 %(file)s 不合规（指向备份目录之外）；拒绝恢复"),
        "restore.schema": _(
            "备份的数据库表结构版本为 %(backup)s，本程序为 %(revision)s；请用制作该备份的 ecert %(ecert_version)s 恢复，再运行 ecert db upgrade"
        ),
        "restore.dialect": _("备份的数据库是 %(backup)s，本机配置的是 %(target)s；只能恢复到同一种数据库"),
        "restore.home_not_empty": _(
            "%(home)s 中已有数据（%(files)s）；恢复只写入空的 ECERT_HOME，不覆盖任何文件，请换用新的空目录"
        ),
        "restore.database_not_empty": _(
            "目标数据库不是空的（已有 %(tables)s 张表）；恢复只写入空数据库，请新建一个空数据库后重试"
        ),
        "restore.exists_different": _("%(path)s 已存在且内容与备份不同；恢复不覆盖任何文件，未写入任何内容"),
        "restore.no_target": _("备份含有 %(part)s，但本机没有设置 %(setting)s，不知道写到哪里"),
    }
    return words[error.code] % dict(error.params)
