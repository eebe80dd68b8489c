"""The signed QR claim: public material only (no private key), shared by issuer and verifier.

The issuer signs claims (``issuer.qr.claims``); the verifier and any offline tool check
them with only the published key set.  By noun:

- ``format``: the claim's fields and their compact byte/base32 encoding (``ClaimFormatError``);
- ``keyset``: the published key set, its periods and official sites, as JSON (``KeySetError``);
- ``verify``: a claim against a key set: a ``Verification`` with a ``VerificationCode``
  and parameters, never words and never an exception.

The names below are the package's public API, importable from ``ecert.qr_claim``.
"""

from ecert.qr_claim.format import (
    MAX_CLAIM_CHARS,
    QUERY_PARAMETER,
    Claim,
    ClaimFields,
    ClaimFormatError,
    claim_url,
    decode_claim,
    encode_claim,
    encode_payload,
    signed_message,
)
from ecert.qr_claim.keyset import (
    KeySet,
    KeySetError,
    PublishedKey,
    load_keyset,
    loads_keyset,
    merge_base_urls,
    normalize_base_url,
    official_base_for,
    parse_keyset,
    published_key,
    url_origin,
)
from ecert.qr_claim.verify import Verification, VerificationCode, verify_claim

__all__ = [
    "MAX_CLAIM_CHARS",
    "QUERY_PARAMETER",
    "Claim",
    "ClaimFields",
    "ClaimFormatError",
    "KeySet",
    "KeySetError",
    "PublishedKey",
    "Verification",
    "VerificationCode",
    "claim_url",
    "decode_claim",
    "encode_claim",
    "encode_payload",
    "load_keyset",
    "loads_keyset",
    "merge_base_urls",
    "normalize_base_url",
    "official_base_for",
    "parse_keyset",
    "published_key",
    "signed_message",
    "url_origin",
    "verify_claim",
]
