"""Checking an anchor's RFC 3161 token: signed by a TSA that chains to the pinned roots,
over exactly this anchor. Anyone holding the published roots can run the same check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext


@dataclass(frozen=True)
class TokenCheck:
    time: datetime | None  #: the TSA's genTime when the token holds
    reason: str | None  #: why it does not (English detail for the administrator)

    @property
    def ok(self) -> bool:
        return self.reason is None


def check_token(token: bytes, digest: bytes, trust_roots: list) -> TokenCheck:
    try:
        content = cms.ContentInfo.load(token)
        signed_data = content["content"]
        if content["content_type"].native != "signed_data":
            return TokenCheck(None, "not a CMS SignedData token")
        context = ValidationContext(trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail")
        status = asyncio.run(validate_tst_signed_data(signed_data, context, lambda _algorithm: digest))
    except Exception as error:  # a hostile or damaged file: any failure is "does not verify"
        return TokenCheck(None, f"{type(error).__name__}: {error}".splitlines()[0])
    if not status.get("intact"):
        return TokenCheck(None, "the token is not over this anchor (message imprint differs)")
    trusted = status.get("validation_path") is not None and status.get("trust_problem_indic") is None
    if not (status.get("valid") and trusted):
        return TokenCheck(None, "the token's signature does not verify against the pinned roots")
    return TokenCheck(status.get("timestamp"), None)


__all__ = ["TokenCheck", "check_token"]
