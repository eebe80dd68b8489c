"""The one precedence rule: revoked > withdrawn or expired use copy > superseded > valid."""

from __future__ import annotations

import itertools

import pytest

from ecert.models import CertificateStatus
from verifier.status import EXIT, PublicStatus, of_version, prevailing

S = PublicStatus


@pytest.mark.parametrize("combination", [c for n in (1, 2, 3) for c in itertools.product(list(S), repeat=n)])
def test_the_strongest_status_wins_in_any_order(combination: tuple[PublicStatus, ...]) -> None:
    result = prevailing(combination)
    if S.UNKNOWN in combination:
        assert result is S.UNKNOWN
        return
    assert result in combination
    rank = {S.VALID: 0, S.SUPERSEDED: 1, S.EXPIRED: 2, S.WITHDRAWN: 2, S.REVOKED: 3}
    assert rank[result] == max(rank[s] for s in combination)
    assert prevailing(reversed(combination)) is result  # order never matters


def test_a_use_copys_own_withdrawal_or_expiry_prevails_over_its_certificates_correction() -> None:
    # For the employer holding the copy, that it may no longer be used is the answer.
    assert prevailing([S.SUPERSEDED, S.WITHDRAWN]) is S.WITHDRAWN
    assert prevailing([S.SUPERSEDED, S.EXPIRED]) is S.EXPIRED
    assert prevailing([S.SUPERSEDED, S.VALID]) is S.SUPERSEDED  # a copy still in force
    assert prevailing([S.REVOKED, S.WITHDRAWN]) is S.REVOKED


def test_nothing_is_unknown() -> None:
    assert prevailing([]) is S.UNKNOWN


@pytest.mark.parametrize(
    ("own", "current", "expected"),
    [
        (CertificateStatus.VALID, None, S.VALID),
        (CertificateStatus.REVOKED, None, S.REVOKED),
        (CertificateStatus.SUPERSEDED, CertificateStatus.VALID, S.SUPERSEDED),
        # an old version of a certificate revoked since: revoked, not merely corrected
        (CertificateStatus.SUPERSEDED, CertificateStatus.REVOKED, S.REVOKED),
        # a correction still being signed does not change the old version's answer
        (CertificateStatus.SUPERSEDED, CertificateStatus.PENDING, S.SUPERSEDED),
        (CertificateStatus.PENDING, None, S.UNKNOWN),
    ],
)
def test_a_version_answers_with_the_current_versions_revocation(
    own: CertificateStatus, current: CertificateStatus | None, expected: PublicStatus
) -> None:
    assert of_version(own, current) is expected


def test_every_status_has_its_own_documented_exit_code() -> None:
    assert set(EXIT) == set(S)
    assert EXIT[S.VALID] == 0 and EXIT[S.UNKNOWN] == 1
    codes = {EXIT[s] for s in (S.REVOKED, S.SUPERSEDED, S.EXPIRED)}
    assert len(codes) == 3 and not codes & {0, 1, 2, 3}
    assert EXIT[S.WITHDRAWN] == EXIT[S.EXPIRED]
