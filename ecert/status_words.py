"""The registry status of one certificate version in words, for the pages of the people
who hold or manage it (我的证书, the console). The public pages say the verifier's
one answer instead (``verifier.status``), which also weighs later versions."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

from ecert.i18n import _l
from ecert.models import CertificateStatus

STATUS_WORDS: Mapping[CertificateStatus, LazyString] = {
    CertificateStatus.PENDING: _l("签发中"),
    CertificateStatus.VALID: _l("有效"),
    CertificateStatus.REVOKED: _l("已撤销"),
    CertificateStatus.SUPERSEDED: _l("已更正（有新版本）"),
}


def status_word(status: CertificateStatus) -> str:
    return str(STATUS_WORDS[status])
