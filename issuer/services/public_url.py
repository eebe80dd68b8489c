"""The public URL printed in QR codes is the deployment's, not one machine's.

Every certificate's QR code carries ``ECERT_PUBLIC_URL/v/<token>`` for as long as the
certificate lives: a machine configured with another URL (a typo, a test host, a copied
``.env``) would print codes that lead nowhere, or to someone else. So the first
reservation records the URL in the database (``deployment_settings``, key ``public_url``)
and every later reservation, on any machine sharing the database, checks it in its own
transaction. A different URL is refused unless the operator says so explicitly
(``--accept-public-url-change``), which records the new one; both write their audit event
in that same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ecert import audit
from ecert.models import DeploymentSetting
from issuer import IssuerError, registry

KEY = "public_url"


class PublicUrlChanged(IssuerError):
    """Code ``public_url.changed`` (recorded, configured): this machine's public URL is not
    the one recorded in the database, and the change was not accepted."""

    code = "public_url.changed"

    def __init__(self, recorded: str, configured: str) -> None:
        self.params = {"recorded": recorded, "configured": configured}
        super().__init__(
            f"the database records the public URL {recorded}, this machine is configured with {configured}; "
            "pass --accept-public-url-change to record the new one"
        )


def check_public_url(session: Session, configured: str, *, accept_change: bool, actor: str, at: datetime) -> None:
    """Inside the caller's write transaction: record ``configured`` if no URL is recorded
    yet, pass if it is the recorded one, record it if ``accept_change``, else refuse."""
    recorded = session.get(DeploymentSetting, KEY)
    if recorded is not None and recorded.value == configured:
        return
    if recorded is None:
        if registry.insert_setting(session, key=KEY, value=configured, at=at, by=actor):
            _audit(session, "deployment.public_url_recorded", {"public_url": configured}, actor=actor, at=at)
            return
        recorded = session.get(DeploymentSetting, KEY, populate_existing=True)  # another machine was first
        assert recorded is not None
        if recorded.value == configured:
            return
    if not accept_change:
        raise PublicUrlChanged(recorded.value, configured)
    previous = recorded.value
    recorded.value, recorded.updated_at, recorded.updated_by = configured, at, actor
    _audit(session, "deployment.public_url_changed", {"from": previous, "to": configured}, actor=actor, at=at)


def _audit(session: Session, action: str, payload: dict[str, str], *, actor: str, at: datetime) -> None:
    audit.append(session, actor=actor, action=action, subject=f"deployment:{KEY}", payload=payload, at=at)
