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
