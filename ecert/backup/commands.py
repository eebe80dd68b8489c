"""``ecert backup DIR`` and ``ecert restore DIR``: thin commands over ``ecert.backup.service``.

Exit status: 0 done; 1 refused or failed, with a sentence naming what (for a damaged backup,
one line per file first); nothing is written by a refused restore.
"""

from __future__ import annotations

import getpass
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from ecert import audit
from ecert.command import Failure
from ecert.i18n import _
from ecert.kernel import kernel


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


@click.command("backup")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Back up the database, blobs, PKI and keys, QR keys and audit anchors into DIRECTORY (new or empty)."""
    from ecert.backup import BackupError
    from ecert.backup.service import take_backup
    from ecert.backup.words import error_text

    app_kernel = kernel()
    started = time.monotonic()
    try:
        result = take_backup(
            app_kernel.settings,
            app_kernel.db,
            directory,
            at=app_kernel.clock(),
            actor=_actor(),
        )
    except BackupError as error:
        raise Failure(error_text(error)) from None
    except OSError as error:  # a folder not writable, a disk full: the file named, no traceback
        raise Failure(_("无法读写 %(path)s：%(reason)s", path=error.filename, reason=error.strerror or error)) from None
    manifest = result.manifest
    click.echo(
        _(
            "已备份到 %(dir)s：%(files)s 个文件，共 %(size)s，用时 %(seconds)s 秒",
            dir=result.directory,
            files=len(manifest.files),
            size=_size(manifest.total_bytes),
            seconds=f"{time.monotonic() - started:.1f}",
        )
    )
    click.echo(
        _(
            "数据库结构版本 %(revision)s，证书版本 %(certificates)s 个，审计日志到第 %(seq)s 条；清单 SHA-256 %(sha256)s",
            revision=manifest.schema_revision,
            certificates=manifest.certificates,
            seq=manifest.audit_head["seq"],
            sha256=result.manifest_sha256,
        )
    )
    click.echo(_("备份中有私钥和持证人的个人信息：请加密保存，只让需要的人读取"))
    audit.anchor_batch_end(app_kernel.db, at=app_kernel.clock())


@click.command("restore")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Only check the backup against its manifest; write nothing.")
@with_appcontext
def restore_command(directory: Path, check_only: bool) -> None:
    """Restore a backup onto an empty ECERT_HOME and an empty database (never overwrites; checks every file first)."""
    from ecert.backup import BackupError
    from ecert.backup.manifest import check_backup
    from ecert.backup.service import restore_backup
    from ecert.backup.words import error_text, problem_text

    app_kernel = kernel()
    started = time.monotonic()
    try:
        if check_only:
            manifest, sha256 = check_backup(directory)
            click.echo(
                _(
                    "备份完好：%(files)s 个文件，共 %(size)s，备份于 %(created)s，数据库结构版本 %(revision)s，证书版本 %(certificates)s 个；清单 SHA-256 %(sha256)s",
                    files=len(manifest.files),
                    size=_size(manifest.total_bytes),
                    created=manifest.created_at,
                    revision=manifest.schema_revision,
                    certificates=manifest.certificates,
                    sha256=sha256,
                )
            )
            return
        result = restore_backup(app_kernel.settings, directory, at=app_kernel.clock(), actor=_actor())
    except BackupError as error:
        for problem in error.problems:
            click.echo(problem_text(problem), err=True)
        raise Failure(error_text(error)) from None
    except OSError as error:
        raise Failure(_("无法读写 %(path)s：%(reason)s", path=error.filename, reason=error.strerror or error)) from None
    app_kernel.db.dispose()  # connections opened before the database was in place
    click.echo(
        _(
            "已从 %(dir)s 恢复（备份于 %(created)s）：写入 %(written)s 个文件，已存在且相同 %(kept)s 个，证书版本 %(certificates)s 个，用时 %(seconds)s 秒",
            dir=directory,
            created=result.manifest.created_at,
            written=result.written,
            kept=result.kept,
            certificates=result.manifest.certificates,
            seconds=f"{time.monotonic() - started:.1f}",
        )
    )
    click.echo(_("请运行 ecert audit verify 和 ecert db verify-blobs 核对恢复结果"))
    audit.anchor_batch_end(app_kernel.db, at=app_kernel.clock())
