"""``ecert api-keys``: create a key for an organisation (printed once), list, revoke.

Every command is an audit event in its own transaction (``--as`` names who acts)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ecert.api_keys import service
from ecert.i18n import _, format_datetime
from ecert.kernel import kernel


def _error_text(error: service.ApiKeyError) -> str:
    words = {
        "organisation_empty": lambda p: _("请填写机构名称"),
        "organisation_too_long": lambda p: _("机构名称最多 %(max)s 个字符", max=p["max"]),
        "organisation_control": lambda p: _("机构名称含有控制字符"),
        "bad_limit": lambda p: _(
            "限额 %(limit)s 无法识别；请写成如 1200/minute 或 100/second;20000/day", limit=p["limit"]
        ),
        "unknown_key": lambda p: _("没有密钥编号为 %(key_id)s 的 API 密钥", key_id=p["key_id"]),
        "already_revoked": lambda p: _("API 密钥 %(key_id)s 已于此前撤销", key_id=p["key_id"]),
    }
    return _("错误：%(problem)s", problem=words[error.code](error.params))


def _fail(error: service.ApiKeyError) -> None:
    click.echo(_error_text(error), err=True)
    raise SystemExit(1)


@click.group("api-keys")
def api_keys_group() -> None:
    """API keys of organisations (employers, HR systems) for the JSON API."""


@api_keys_group.command("create")
@click.argument("organisation")
@click.option(
    "--limit", "rate_limit", default=None, help="Single look-ups allowed, e.g. 1200/minute (default: the settings')."
)
@click.option("--as", "actor", default="cli", show_default=True, help="Who creates the key (audited).")
@with_appcontext
def create_command(organisation: str, rate_limit: str | None, actor: str) -> None:
    """Create a key for ORGANISATION and print it once: only its hash is kept."""
    k = kernel()
    try:
        info, key = service.create_key(
            k.db, organisation=organisation, rate_limit=rate_limit, actor=actor, now=k.clock()
        )
    except service.ApiKeyError as error:
        _fail(error)
        return
    limit = info.rate_limit or k.settings.ratelimits.api_key
    click.echo(
        _(
            "已为 %(organisation)s 创建 API 密钥 %(key_id)s（单项查询限额 %(limit)s）",
            organisation=info.organisation,
            key_id=info.key_id,
            limit=limit,
        )
    )
    click.echo(_("密钥只显示这一次，本服务只保存其摘要；请通过安全渠道交给该机构："))
    click.echo(key)
    click.echo(_("用法：在每个请求中加上请求头 Authorization: Bearer <密钥>（或 X-API-Key: <密钥>），例如："))
    click.echo(f'  curl -H "Authorization: Bearer {key}" {k.settings.public_url.rstrip("/")}/api/v1/tokens/<token>')


@api_keys_group.command("list")
@click.option("--as", "actor", default="cli", show_default=True, help="Who lists the keys (audited).")
@with_appcontext
def list_command(actor: str) -> None:
    """Every key: id, organisation, limit, created, state (never the key itself)."""
    k = kernel()
    default = k.settings.ratelimits.api_key
    for info in service.list_keys(k.db, actor=actor, now=k.clock()):
        revoked = info.revoked_at
        state = _("有效") if revoked is None else _("已撤销 %(at)s", at=format_datetime(revoked))
        created = _("%(at)s 由 %(actor)s 创建", at=format_datetime(info.created_at), actor=info.created_by)
        click.echo(f"{info.key_id}\t{info.organisation}\t{info.rate_limit or default}\t{created}\t{state}")


@api_keys_group.command("revoke")
@click.argument("key_id")
@click.option("--as", "actor", default="cli", show_default=True, help="Who revokes the key (audited).")
@with_appcontext
def revoke_command(key_id: str, actor: str) -> None:
    """Revoke the key KEY_ID: its next request is refused (401)."""
    k = kernel()
    try:
        info = service.revoke_key(k.db, key_id, actor=actor, now=k.clock())
    except service.ApiKeyError as error:
        _fail(error)
        return
    click.echo(_("已撤销 %(organisation)s 的 API 密钥 %(key_id)s", organisation=info.organisation, key_id=info.key_id))
