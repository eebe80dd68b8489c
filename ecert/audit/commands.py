"""``ecert audit verify`` (also ``ecert db verify-audit``) and ``ecert audit anchor``.

Exit status of ``verify``: 0 intact, 1 a problem (each named, the first first), 2 usage.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ecert.audit.trail import AuditTrail
from ecert.audit.verify import verify_audit
from ecert.audit.words import problem_text
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema


@click.group("audit")
def audit_group() -> None:
    """The audit log: verify it against its anchors and the registry; anchor its head."""


def _trail() -> AuditTrail:
    trail = kernel().db.audit
    assert isinstance(trail, AuditTrail)
    return trail


@audit_group.command("verify")
@click.option(
    "--anchors",
    "anchor_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A published copy of the anchors to check against (default: ECERT_AUDIT_ANCHOR_DIR).",
)
@with_appcontext
@needs_current_schema
def verify_command(anchor_dir: Path | None) -> None:
    """Check the keyed chain, the anchors and every certificate's status; exit 1 naming each problem."""
    with kernel().db.read() as session:
        report = verify_audit(session, _trail(), anchor_dir=anchor_dir)
    for problem in report.problems:
        click.echo(problem_text(problem), err=True)
    chain = report.chain
    click.echo(_("审计日志 %(events)s 条事件", events=chain.events))
    if chain.legacy:
        click.echo(_("其中前 %(legacy)s 条是加密钥之前的旧事件：只以 SHA-256 链接，没有 MAC 保护", legacy=chain.legacy))
    if report.newest is not None:
        click.echo(
            _(
                "锚点 %(anchors)s 个；最新成立的锚点在第 %(seq)s 条（%(file)s）",
                anchors=report.anchors,
                seq=report.newest.seq,
                file=report.newest.path.name,
            )
        )
        if report.unanchored > 0:
            click.echo(_("最新锚点之后还有 %(count)s 条事件尚未锚定", count=report.unanchored))
    elif chain.events:
        click.echo(_("还没有成立的锚点：删除最新事件无法被发现；请运行 ecert audit anchor"))
    click.echo(_("已将 %(count)s 个证书版本的登记状态与审计日志核对", count=report.certificates))
    if report.use_copies:
        click.echo(_("已将 %(count)s 份加注件的登记状态与审计日志核对", count=report.use_copies))
    if report.ok:
        click.echo(_("审计日志完整，与登记一致"))
        return
    click.echo(_("审计日志未通过核查：%(count)s 处问题", count=len(report.problems)), err=True)
    raise SystemExit(1)


@audit_group.command("anchor")
@with_appcontext
@needs_current_schema
def anchor_command() -> None:
    """Write an anchor of the chain's head now (timestamped; run it periodically, e.g. hourly)."""
    app_kernel = kernel()
    anchor = _trail().anchor(app_kernel.db, at=app_kernel.clock())
    assert anchor is not None
    click.echo(_("已写入审计锚点：第 %(seq)s 条事件，%(path)s", seq=anchor.seq, path=anchor.path))
