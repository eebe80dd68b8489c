"""The compact claim of a QR URL: its fields and their byte encoding (no keys, no verdicts).

The QR URL is ``{public_url}/v/<token>?c=<claim>``.  ``<claim>`` is RFC 4648 base32,
upper case, without padding (QR alphanumeric mode: 5.5 bits per character), of::

    payload || Ed25519 signature (64 bytes)

``payload`` (big-endian)::

    u8      format version (2; version 1 is still decoded, see below)
    u8 + n  key id: length, then ASCII [A-Za-z0-9._-]{1,32}
    u16     issue date, days since 1950-01-01
    u16     grant (approval) date, days since 1950-01-01
    u8      certificate version (1..255)
    number  0x00 + 7 bytes: office code (20 bits) | year (14 bits) | sequence (20 bits)
            of a standard number ZC500111-2026-000123-Y (the check character is recomputed);
            or 0x01 + u8 length + UTF-8 for any other number (e.g. converted paper ones)
    mask    holder's masked name (张*三,欧**锋, 张*: the public pages' mask): u8 count of
            hidden characters, then its visible characters (first and last, or first, or
            none) as text
    text    qualification: u8 header (bit 7: 1 = UTF-16-BE, 0 = UTF-8; bits 0-6: byte
            length), then the bytes; the issuer picks the shorter encoding

Why a masked name and no commitment to the full one: anyone with the URL can decode the
claim, and the certificate's page shows the same mask to anyone with the URL.  A salted
hash of the full name beside that mask would give the name away to whoever tries the
few thousand characters that fit between its first and last (张?三), at any hashing
cost a phone can afford; the mask alone gives away nothing the page does not.  The full
name is checked where it is held: the registry (the page, ``ecert verify-qr --name``).

Format version 1 (QR codes printed before 2026-12) carried the full name in that place,
as text; it is still decoded, but only its mask is kept: ``Claim.masked_name`` either way.

The token is not repeated (it is in the URL path) but the signature covers it: the
signed message is ``b"ecert-qr-claim\\x00" + payload + token``.  A claim moved to
another certificate's URL therefore fails.  Decoding is strict: trailing bytes,
non-canonical base32 or text encodings are malformed (``ClaimFormatError``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from ecert import EcertError
from ecert.vocab.masking import mask_name
from ecert.vocab.numbering import CertificateNumber, parse_number
from ecert.vocab.tokens import is_token

FORMAT_VERSION = 2
_FULL_NAME_FORMAT = 1  # the first format carried the full name (decoded, then masked)
QUERY_PARAMETER = "c"
SIGNATURE_BYTES = 64
DOMAIN = b"ecert-qr-claim\x00"
EPOCH = date(1950, 1, 1)
MAX_CLAIM_CHARS = 400  # far above any real claim; refuses silly inputs before decoding
KID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,32}")
_B32 = re.compile(r"[A-Z2-7]+")
_NUMBER_COMPACT, _NUMBER_TEXT = 0x00, 0x01
_UTF16_FLAG = 0x80
_MAX_TEXT_BYTES = 0x7F


class ClaimFormatError(EcertError):
    """A claim cannot be encoded or decoded."""


@dataclass(frozen=True)
class ClaimFields:
    """What a claim states about one certificate version (before signing)."""

    number: str
    masked_name: str  # 张*三 (``ecert.vocab.masking``): a claim never carries the full name
    qualification: str
    grant_date: date
    version: int
    token: str
    issue_date: date


@dataclass(frozen=True)
class Claim(ClaimFields):
    """A decoded claim: the fields, the key id and the signature (not yet verified)."""

    kid: str = ""
    payload: bytes = field(default=b"", repr=False)
    signature: bytes = field(default=b"", repr=False)

    @property
    def message(self) -> bytes:
        return signed_message(self.payload, self.token)


def signed_message(payload: bytes, token: str) -> bytes:
    return DOMAIN + payload + token.encode("ascii")


def encode_payload(fields: ClaimFields, kid: str) -> bytes:
    """The payload bytes of ``fields`` under key ``kid``; ClaimFormatError if they do not fit."""
    if not KID_PATTERN.fullmatch(kid):
        raise ClaimFormatError(f"key id {kid!r} must be 1-32 characters of A-Z a-z 0-9 . _ -")
    if not is_token(fields.token):
        raise ClaimFormatError("token must be 24 upper-case base32 characters")
    if not 1 <= fields.version <= 255:
        raise ClaimFormatError(f"certificate version {fields.version} is outside 1..255")
    out = bytearray([FORMAT_VERSION, len(kid)]) + kid.encode("ascii")
    out += _days(fields.issue_date, "issue date") + _days(fields.grant_date, "grant date")
    out.append(fields.version)
    out += _encode_number(fields.number)
    out += _encode_mask(fields.masked_name) + _encode_text(fields.qualification, "qualification")
    return bytes(out)


def encode_claim(payload: bytes, signature: bytes) -> str:
    if len(signature) != SIGNATURE_BYTES:
        raise ClaimFormatError("an Ed25519 signature has 64 bytes")
    return base64.b32encode(payload + signature).decode("ascii").rstrip("=")


def claim_url(verify_url: str, claim: str) -> str:
    """``verify_url`` (``{public_url}/v/<token>``) with the claim as query parameter ``c``."""
    return f"{verify_url}?{QUERY_PARAMETER}={claim}"


def _days(day: date, what: str) -> bytes:
    n = (day - EPOCH).days
    if not 0 <= n <= 0xFFFF:
        raise ClaimFormatError(f"{what} {day} is outside {EPOCH}..{EPOCH + timedelta(days=0xFFFF)}")
    return n.to_bytes(2, "big")


def _encode_number(number: str) -> bytes:
    try:
        parsed = parse_number(number)
    except EcertError:
        parsed = None
    if parsed is not None and parsed.text == number:
        packed = (int(parsed.office_code) << 34) | (parsed.year << 20) | parsed.seq
        return bytes([_NUMBER_COMPACT]) + packed.to_bytes(7, "big")
    raw = number.encode("utf-8")
    if not 0 < len(raw) <= 0xFF:
        raise ClaimFormatError("certificate number must have 1-255 UTF-8 bytes")
    return bytes([_NUMBER_TEXT, len(raw)]) + raw


def _encode_mask(masked: str) -> bytes:
    if not masked or mask_name(masked) != masked or (masked[0] == "*" and masked != "*"):
        raise ClaimFormatError("a claim carries the masked name only (张*三), never the full name")
    visible = masked.replace("*", "")
    hidden = len(masked) - len(visible)
    if hidden > 0xFF:
        raise ClaimFormatError("the masked name is too long")
    return bytes([hidden]) + _encode_text(visible, "name", allow_empty=True)


def _decode_mask(r: _Reader) -> str:
    hidden = r.u8()
    visible = _decode_text(r, allow_empty=True)
    if len(visible) > 2:
        raise ClaimFormatError("the name field is not a masked name")
    masked = visible[:1] + "*" * hidden + visible[1:]
    if _encode_mask(masked) != bytes([hidden]) + _encode_text(visible, "name", allow_empty=True):
        raise ClaimFormatError("the name field is not a masked name")
    return masked


def _encode_text(text: str, what: str, *, allow_empty: bool = False) -> bytes:
    utf8 = text.encode("utf-8")
    utf16 = text.encode("utf-16-be")
    flag, raw = (_UTF16_FLAG, utf16) if len(utf16) < len(utf8) else (0, utf8)
    if not (0 if allow_empty else 1) <= len(raw) <= _MAX_TEXT_BYTES:
        raise ClaimFormatError(f"{what} must encode to 1-{_MAX_TEXT_BYTES} bytes")
    return bytes([flag | len(raw)]) + raw


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ClaimFormatError("claim is truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")


def decode_claim(text: str, token: str) -> Claim:
    """Decode (not verify) a claim as found in a URL; ClaimFormatError if malformed."""
    if not isinstance(text, str) or not isinstance(token, str):
        raise ClaimFormatError("claim and token must be text")
    text = text.strip()
    if not text or len(text) > MAX_CLAIM_CHARS or not _B32.fullmatch(text):
        raise ClaimFormatError("claim is not upper-case base32")
    if not is_token(token):
        raise ClaimFormatError("token is malformed")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError) as exc:
        raise ClaimFormatError("claim is not valid base32") from exc
    if base64.b32encode(raw).decode("ascii").rstrip("=") != text:
        raise ClaimFormatError("claim is not canonical base32")
    if len(raw) <= SIGNATURE_BYTES:
        raise ClaimFormatError("claim is too short")
    payload, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    r = _Reader(payload)
    format_version = r.u8()
    if format_version not in (_FULL_NAME_FORMAT, FORMAT_VERSION):
        raise ClaimFormatError("unknown claim format version")
    kid = _ascii(r.take(r.u8()))
    if not KID_PATTERN.fullmatch(kid):
        raise ClaimFormatError("key id is malformed")
    issue_date = EPOCH + timedelta(days=r.u16())
    grant_date = EPOCH + timedelta(days=r.u16())
    version = r.u8()
    if version == 0:
        raise ClaimFormatError("certificate version 0")
    number = _decode_number(r)
    # The first format's full name goes no further than this line.
    name = mask_name(_decode_text(r)) if format_version == _FULL_NAME_FORMAT else _decode_mask(r)
    qualification = _decode_text(r)
    if r.pos != len(payload):
        raise ClaimFormatError("claim has trailing bytes")
    return Claim(
        number=number,
        masked_name=name,
        qualification=qualification,
        grant_date=grant_date,
        version=version,
        token=token,
        issue_date=issue_date,
        kid=kid,
        payload=payload,
        signature=signature,
    )


def _ascii(raw: bytes) -> str:
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ClaimFormatError("expected ASCII") from exc


def _decode_number(r: _Reader) -> str:
    tag = r.u8()
    if tag == _NUMBER_COMPACT:
        packed = int.from_bytes(r.take(7), "big")
        office, year, seq = packed >> 34, (packed >> 20) & 0x3FFF, packed & 0xFFFFF
        if packed >> 54 or office > 999_999:
            raise ClaimFormatError("certificate number is malformed")
        try:
            return CertificateNumber(f"{office:06d}", year, seq).text
        except ValueError as exc:
            raise ClaimFormatError("certificate number is malformed") from exc
    if tag == _NUMBER_TEXT:
        raw = r.take(r.u8())
        number = _utf(raw, "utf-8")
        if not number or _encode_number(number) != bytes([tag, len(raw)]) + raw:
            raise ClaimFormatError("certificate number is not canonically encoded")
        return number
    raise ClaimFormatError("unknown certificate number encoding")


def _decode_text(r: _Reader, *, allow_empty: bool = False) -> str:
    header = r.u8()
    raw = r.take(header & _MAX_TEXT_BYTES)
    text = _utf(raw, "utf-16-be" if header & _UTF16_FLAG else "utf-8")
    if not (text or allow_empty) or _encode_text(text, "text", allow_empty=True) != bytes([header]) + raw:
        raise ClaimFormatError("text field is not canonically encoded")
    return text


def _utf(raw: bytes, encoding: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ClaimFormatError("text field is not valid Unicode") from exc
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise ClaimFormatError("text field contains control characters")
    return text
