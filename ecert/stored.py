"""The stored files of a certificate version, read by the certificate they belong to.

The blob store knows bytes by hash only; an operator knows certificates by number and
version. Reading through here turns "blob 3f2a… is missing" into "the PDF of
ZC500111-2026-000001-H version 2 is missing", and checks that the bytes still hash to
what the registry recorded: a blob store is a folder anyone with a shell can change.

Problems are codes with parameters (number, version, sha256), for the edge to put in
words: ``blob.missing`` / ``blob.altered`` (the signed PDF), ``blob.photo_missing`` /
``blob.photo_altered`` (the holder's photo a correction re-renders).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert import EcertError
from ecert.models import Certificate, CertificateStatus, Decision
from ecert.storage import BlobNotFound, BlobStore
from ecert.vocab.problem import Param, Problem

Kind = Literal["pdf", "photo"]
_CODES: Mapping[tuple[Kind, bool], str] = {
    ("pdf", True): "blob.missing",
    ("pdf", False): "blob.altered",
    ("photo", True): "blob.photo_missing",
    ("photo", False): "blob.photo_altered",
}


class StoredFileProblem(EcertError):
    """A certificate version's file is missing from the blob store or no longer its bytes."""

    def __init__(self, code: str, *, number: str, version: int, sha256: str) -> None:
        self.code = code
        self.params: dict[str, Param] = {"number": number, "version": version, "sha256": sha256}
        what = "photo" if "photo" in code else "PDF"
        state = "is missing from the blob store" if code.endswith("missing") else "no longer hashes to"
        super().__init__(f"the {what} of certificate {number} v{version} {state} (sha256 {sha256})")

    @property
    def problem(self) -> Problem:
        return Problem(self.code, self.params)


def read_stored(store: BlobStore, sha256: str, *, number: str, version: int, kind: Kind = "pdf") -> bytes:
    """The bytes stored under ``sha256`` for version ``version`` of ``number``, checked."""
    try:
        data = store.get(sha256)
    except BlobNotFound:
        raise StoredFileProblem(_CODES[kind, True], number=number, version=version, sha256=sha256) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StoredFileProblem(_CODES[kind, False], number=number, version=version, sha256=sha256)
    return data


@dataclass(frozen=True)
class StoredFilesReport:
    """How many certificate versions were checked, and each file that is not as registered."""

    versions: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_stored_files(session: Session, store: BlobStore) -> StoredFilesReport:
    """Read every signed version's PDF (and photo) back and check its SHA-256."""
    rows = session.execute(
        select(Certificate.number, Certificate.version, Certificate.pdf_sha256, Decision.photo_sha256)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(Certificate.status != CertificateStatus.PENDING, Certificate.pdf_sha256.is_not(None))
        .order_by(Certificate.number, Certificate.version)
    )
    problems: list[Problem] = []
    versions = 0
    for number, version, pdf_sha256, photo_sha256 in rows:
        versions += 1
        files: list[tuple[Kind, str]] = [("pdf", str(pdf_sha256))]
        if photo_sha256:
            files.append(("photo", photo_sha256))
        for kind, sha256 in files:
            try:
                read_stored(store, sha256, number=number, version=version, kind=kind)
            except StoredFileProblem as problem:
                problems.append(problem.problem)
    return StoredFilesReport(versions=versions, problems=problems)
