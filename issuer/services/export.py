"""The signed PDF of any version of a certificate, exactly as it was stored at issuance.

Needs no signer: ``ecert export`` runs where ``ECERT_SIGNER=none``. Refusals are
``LifecycleError`` codes (``certificate.not_found``, ``certificate.no_version``,
``certificate.not_signed``); a missing or altered file is the kernel's
``ecert.stored.StoredFileProblem``, naming the certificate and version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ecert.db import Database
from ecert.models import Certificate, CertificateStatus
from ecert.storage import BlobStore
from ecert.stored import read_stored
from issuer.services.lifecycle import LifecycleError


@dataclass(frozen=True)
class StoredVersion:
    number: str
    version: int
    status: CertificateStatus
    pdf: bytes


def stored_version(db: Database, store: BlobStore, number: str, version: int | None = None) -> StoredVersion:
    """Version ``version`` of ``number`` (default: the latest signed one) with its PDF's bytes."""
    with db.read() as session:
        query = select(Certificate).where(Certificate.number == number)
        if version is None:
            query = query.where(Certificate.status != CertificateStatus.PENDING)
        else:
            query = query.where(Certificate.version == version)
        found = session.scalars(query.order_by(Certificate.version.desc()).limit(1)).first()
        if found is None:
            latest = session.scalar(
                select(func.max(Certificate.version)).where(
                    Certificate.number == number, Certificate.status != CertificateStatus.PENDING
                )
            )
            if version is None or latest is None:
                raise LifecycleError("certificate.not_found", number=number)
            raise LifecycleError("certificate.no_version", number=number, version=version, latest=int(latest))
        if found.status is CertificateStatus.PENDING or found.pdf_sha256 is None:
            raise LifecycleError("certificate.not_signed", number=number, version=found.version)
        sha256, status, found_version = found.pdf_sha256, CertificateStatus(found.status), found.version
    pdf = read_stored(store, sha256, number=number, version=found_version)
    return StoredVersion(number=number, version=found_version, status=status, pdf=pdf)
