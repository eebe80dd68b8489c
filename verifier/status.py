"""One status vocabulary and one precedence rule, for every path that answers "is it valid?".

The QR page, the lookup by number and name, the PDF upload, ``ecert verify``,
``ecert verify-qr`` and the JSON API all say one of these statuses, decided here:

- ``valid``       有效: the registry's current record for this version is in force;
- ``revoked``     已撤销: the title was revoked (this version or the current one);
- ``superseded``  已更正: a later version replaces this one; the title itself still stands;
- ``withdrawn``   已撤回: a use copy (加注件) its holder withdrew;
- ``expired``     已过期: a use copy past its end date;
- ``unknown``     未找到: the registry has no such certificate.

When several apply, the strongest wins: revoked > withdrawn or expired use copy >
superseded > valid. An old version of a certificate whose current version was revoked is
revoked. A use copy's own withdrawal or expiry comes before its certificate's correction:
for the employer holding the copy, that the copy may no longer be used is the answer (its
page still says 所依据的证书：已更正); a copy still in force of a corrected certificate is
superseded. A file that is an earlier
revision of a valid version (before a document-timestamp renewal) is that version, so
valid: revisions are not versions.

Exit statuses of ``ecert verify`` and ``ecert verify-qr`` follow the status (``EXIT``),
with three more that are not a certificate's status: 1 the file or QR code itself is not
valid (not ours, altered, or not in the registry), 2 usage error, 3 could not check now.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from ecert.models import CertificateStatus


class PublicStatus(enum.StrEnum):
    VALID = "valid"  # 有效
    REVOKED = "revoked"  # 已撤销
    SUPERSEDED = "superseded"  # 已更正: a later version replaces this one
    WITHDRAWN = "withdrawn"  # 已撤回: a use copy withdrawn by its holder
    EXPIRED = "expired"  # 已过期: a use copy past its end date
    UNKNOWN = "unknown"  # 未找到


# Higher wins. UNKNOWN never combines: a certificate that is not found has no other status.
_RANK = {
    PublicStatus.VALID: 0,
    PublicStatus.SUPERSEDED: 1,
    PublicStatus.EXPIRED: 2,
    PublicStatus.WITHDRAWN: 2,
    PublicStatus.REVOKED: 3,
}


def prevailing(statuses: Iterable[PublicStatus]) -> PublicStatus:
    """The status that applies when all of ``statuses`` hold (revoked > use copy > superseded > valid)."""
    found = list(statuses)
    if not found or PublicStatus.UNKNOWN in found:
        return PublicStatus.UNKNOWN
    # Withdrawn before expired on a tie: the holder's act is the more telling answer.
    return max(found, key=lambda status: (_RANK[status], status is PublicStatus.WITHDRAWN))


def of_version(own: CertificateStatus, current: CertificateStatus | None = None) -> PublicStatus:
    """The public status of one version, given the current (latest) version's status.

    ``current`` is None when this version is the current one. A pending row does not exist
    for the public (its PDF is not signed yet).
    """
    statuses = [_PUBLIC[own]]
    if current is not None:
        statuses.append(PublicStatus.REVOKED if current is CertificateStatus.REVOKED else PublicStatus.VALID)
    return prevailing(statuses)


_PUBLIC = {
    CertificateStatus.PENDING: PublicStatus.UNKNOWN,
    CertificateStatus.VALID: PublicStatus.VALID,
    CertificateStatus.REVOKED: PublicStatus.REVOKED,
    CertificateStatus.SUPERSEDED: PublicStatus.SUPERSEDED,
}

EXIT_VALID = 0
EXIT_NOT_VALID = 1  # the file or QR code is not valid, or the registry does not know it
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3  # could not check now: no verdict
EXIT: dict[PublicStatus, int] = {
    PublicStatus.VALID: EXIT_VALID,
    PublicStatus.UNKNOWN: EXIT_NOT_VALID,
    PublicStatus.REVOKED: 4,
    PublicStatus.SUPERSEDED: 5,
    PublicStatus.EXPIRED: 6,
    PublicStatus.WITHDRAWN: 6,
}

EXIT_CODES_HELP = """\b
Exit status:
  0  valid (有效)
  1  not valid: not issued by us, altered, or not in the registry (无效)
  2  usage error
  3  could not check now (busy, checker starved, killed or unavailable, or registry unavailable); try again
  4  revoked (已撤销)
  5  superseded by a corrected version (已更正); the title itself stands
  6  a use copy that expired or was withdrawn (已过期 / 已撤回)"""
