"""Undo a mistaken revocation: the revoked current version becomes valid again.

Only through a two-person act (``issuer.services.acts``): this function is what the act
runs once confirmed. The row's revocation columns are cleared, because the public page
shows them whenever they are set; what they said moves, with the reinstatement's own
reason and 文号, into the ``certificate.reinstated`` event, so the audit trail (and the
console's history of the certificate) keeps revoked-then-reinstated for good.
"""

from __future__ import annotations

from ecert import audit
from ecert.clock import Clock
from ecert.db import Database
from ecert.models import CertificateStatus
from ecert.notifications import Sender, deliver, notify
from ecert.vocab.titles import check_doc_no, normalise_doc_no
from issuer.services.lifecycle import Changed, LifecycleError, _current


def reinstate(
    db: Database,
    number: str,
    *,
    reason: str,
    doc_no: str,
    actor: str,
    clock: Clock,
    act: int | None = None,
    notifier: Sender | None = None,
) -> Changed:
    """Make the revoked current version of ``number`` valid again, with its audit event. The
    holder's notice commits with it and goes out through ``notifier`` once committed."""
    doc_no = checked_doc_no(doc_no)
    now = clock()
    with db.write() as session:
        current = _current(session, number)
        if current.status is not CertificateStatus.REVOKED:
            raise LifecycleError(
                "certificate.not_revoked", number=number, version=current.version, status=current.status.value
            )
        was = {
            "revoked_at": current.revoked_at.isoformat() if current.revoked_at else None,
            "reason": current.revocation_reason,
            "doc_no": current.revocation_doc_no,
        }
        current.status = CertificateStatus.VALID
        current.revoked_at = None
        current.revocation_reason = None
        current.revocation_doc_no = None
        audit.append(
            session,
            actor=actor,
            action="certificate.reinstated",
            subject=f"certificate:{number}/v{current.version}",
            payload={"reason": reason, "doc_no": doc_no, "revocation": was, **({"act": act} if act else {})},
            at=now,
        )
        notice = notify(
            session,
            current.decision.holder_id,
            "certificate.reinstated",
            number=number,
            at=now,
            version=current.version,
            doc_no=doc_no,
        )
        changed = Changed(number, current.version, current.token, current.status.value, current.pdf_sha256)
    deliver(db, notifier, [notice.id], at=clock())
    return changed


def checked_doc_no(doc_no: str) -> str:
    """The 文号 normalised, or the LifecycleError the decisions file's rule gives."""
    malformed = check_doc_no(doc_no)
    if malformed is not None:
        raise LifecycleError(malformed.code, **malformed.params)
    return normalise_doc_no(doc_no)
