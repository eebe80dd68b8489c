"""``ecert pki …``: the development PKI and the trust roots validators pin."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ecert.i18n import _
from ecert.kernel import kernel


@click.group("pki")
def pki_group() -> None:
    """Signing keys and trust roots."""


@pki_group.command("export-roots")
@with_appcontext
def export_roots() -> None:
    """Print the trust root(s) a verifier should pin, as PEM."""
    settings = kernel().settings
    if settings.trust_roots_file:
        click.echo(settings.trust_roots_file.read_text(), nl=False)
        return
    from issuer.pki.development import DevelopmentPKI

    pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
    click.echo(pki.roots_pem(), nl=False)


@pki_group.command("init")
@with_appcontext
def init_pki() -> None:
    """Create the development PKI if it does not exist yet (development only)."""
    settings = kernel().settings
    if settings.signer != "development":
        click.echo(_("签名方式为 %(signer)s：不需要开发用 PKI", signer=settings.signer))
        return
    from issuer.pki.development import DevelopmentPKI

    DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
    click.echo(_("开发用 PKI 已就绪：%(dir)s（仅供开发，不可用于生产）", dir=settings.pki_dir))
    if settings.audit_key_file is None:
        audit_key = kernel().db.audit.keys.current  # generated on first use: ECERT_HOME/audit-key, 0600
        click.echo(_("开发用审计密钥已就绪：%(key_id)s", key_id=audit_key.key_id))


@pki_group.command("rotate")
@click.option("--signer", is_flag=True, help="A new document-signing key and certificate.")
@click.option("--tsa", is_flag=True, help="A new timestamp authority key and certificate.")
@click.option("--issuing-ca", is_flag=True, help="A new issuing CA under the same root (implies --signer --tsa).")
@with_appcontext
def rotate_pki(signer: bool, tsa: bool, issuing_ca: bool) -> None:
    """Rotate development keys; the old ones stay under pki/history (development only)."""
    from ecert.command import Failure
    from issuer import PKIError
    from issuer.pki.development import DevelopmentPKI, is_complete
    from issuer.pki.rotation import rotate

    app_kernel = kernel()
    settings = app_kernel.settings
    if settings.signer != "development" or settings.is_production:
        raise Failure(_("只有开发用 PKI 可以用此命令轮换；生产环境的密钥轮换步骤见 README"))
    if not (signer or tsa or issuing_ca):
        raise Failure(_("请选择要轮换的部分：--signer、--tsa 或 --issuing-ca"))
    if not is_complete(settings.pki_dir):
        raise Failure(_("还没有开发用 PKI：先运行 ecert pki init"))
    pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
    try:
        rotated = rotate(pki, signer=signer, tsa=tsa, issuing_ca=issuing_ca, now=app_kernel.clock())
    except PKIError as error:
        raise Failure(str(error)) from None
    names = {"issuing": _("签发 CA"), "signer": _("签名证书"), "tsa": _("时间戳服务证书")}
    for part in rotated.parts:
        until = rotated.valid_until[part].date().isoformat()
        click.echo(_("新%(part)s已启用，有效期至 %(day)s", part=names[part], day=until))
    click.echo(_("旧密钥和证书保存在 %(dir)s；它们签过的证书照常有效", dir=rotated.history_dir))
