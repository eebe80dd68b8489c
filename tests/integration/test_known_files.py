"""A file the registry knows by its hash, checked in full once by this process, is checked
again without the sandbox: the same four file checks, the registry's status read afresh,
no CPU charged to the client. A file the registry does not know is checked in full every
time, and a pass under other roots or office names is never reused."""

from __future__ import annotations

from pathlib import Path

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.conftest import OFFICE
from verifier.pdf.check import verify_pdf
from verifier.pdf.known_files import known_files


def verdict_on(issuance: Issuance, data: bytes, trust_roots: list, names: tuple[str, ...] = (OFFICE,)):  # type: ignore[no-untyped-def]
    return verify_pdf(data, db=issuance.db, trust_roots=trust_roots, office_names=names)


def shape(verdict):  # type: ignore[no-untyped-def]
    return [(c.code, c.passed, c.reason) for c in verdict.checks]


def test_a_known_file_is_checked_in_full_once_then_by_its_hash_with_the_status_read_afresh(
    issuance: Issuance, trust_roots: list
) -> None:
    issued = issue_decision(issuance, factories.decision(name="李四"))
    data = issuance.store.get(issued.sha256)
    first = verdict_on(issuance, data, trust_roots)
    assert first.valid and first.cpu_seconds > 0  # the sandbox ran
    again = verdict_on(issuance, data, trust_roots)
    assert again.valid and again.cpu_seconds == 0  # no checker: nothing charged to the client
    assert shape(again) == shape(first)

    factories.revoked(issuance, issued.number, note="材料造假")
    revoked = verdict_on(issuance, data, trust_roots)
    assert revoked.cpu_seconds == 0
    assert not revoked.valid and revoked.summary == "revoked"
    assert revoked.check("registry_status").reason == "revoked"


def test_unknown_files_and_other_roots_or_names_are_always_checked_in_full(
    issuance: Issuance, trust_roots: list, tmp_path: Path
) -> None:
    issued = issue_decision(issuance, factories.decision(name="王五"))
    data = issuance.store.get(issued.sha256)
    assert verdict_on(issuance, data, trust_roots).valid
    # Another office's name: the pass under ours is not reused.
    other = verdict_on(issuance, data, trust_roots, names=("另一个发证机关",))
    assert other.cpu_seconds > 0 and not other.valid
    assert other.check("trusted_signer").passed is False
    # Junk after %%EOF: another hash, not in the registry, so never answered from memory.
    appended = data + b"\n% appended\n"
    for _ in range(2):
        verdict = verdict_on(issuance, appended, trust_roots)
        assert verdict.cpu_seconds > 0 and not verdict.valid
    assert known_files.get(known_files.key(issued.sha256, trust_roots, (OFFICE,))) is not None
