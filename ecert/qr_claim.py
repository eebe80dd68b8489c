"""The signed QR claim: format, published key set, and offline verification.

Public material only (no private key): the issuer signs claims (``issuer.qr.claims``),
the verifier and any offline tool check them with the published key set.

The QR URL is ``{public_url}/v/<token>?c=<claim>``.  ``<claim>`` is RFC 4648 base32,
upper case, without padding (QR alphanumeric mode: 5.5 bits per character), of::

    payload || Ed25519 signature (64 bytes)

``payload`` (big-endian)::

    u8      format version (1)
    u8 + n  key id: length, then ASCII [A-Za-z0-9._-]{1,32}
    u16     issue date, days since 1950-01-01
    u16     grant (approval) date, days since 1950-01-01
    u8      certificate version (1..255)
    number  0x00 + 7 bytes: office code (20 bits) | year (14 bits) | sequence (20 bits)
            of a standard number ZC500111-2026-000123-Y (the check character is recomputed);
            or 0x01 + u8 length + UTF-8 for any other number (e.g. converted paper ones)
    text    holder's full name: u8 header (bit 7: 1 = UTF-16-BE, 0 = UTF-8; bits 0-6:
            byte length), then the bytes; the issuer picks the shorter encoding
    text    qualification, same encoding

The token is not repeated (it is in the URL path) but the signature covers it: the
signed message is ``b"ecert-qr-claim\\x00" + payload + token``.  A claim moved to
another certificate's URL therefore fails.  Decoding is strict: trailing bytes,
non-canonical base32 or text encodings are malformed.

Key set JSON (served at ``/.well-known/ecert-qr-keys.json``)::

    {"issuer": "<office name>",
     "verify_base_urls": ["https://ecert.dazu.gov.cn"],
     "keys": [{"kid": "dev-2026-1", "alg": "Ed25519",
               "public_key": "<base64url of the raw 32 bytes, no padding>",
               "not_before": "2026-01-01", "not_after": "2030-12-31",
               "status": "active" | "retired"}]}

``verify_base_urls`` lists the issuing office's official verification sites (the
``public_url`` its QR codes were printed with, old ones included).  It is optional:
key sets published before it existed lack it, and then the site is *unknown*.  Base
URLs are kept normalised (``normalize_base_url``: lower-case scheme and host, no
default port, no trailing slash; http or https only; no user info, query or fragment).

Why the host is checked and not signed.  The signature covers the token but not the
host, so a real claim can be copied into ``https://evil.example/v/<token>?c=<claim>``
and its signature still holds: a checker that only verifies the signature vouches for
a phishing site.  Signing the base URL would need a new claim format, and the
certificates already printed would keep the old one for decades.  The token is
unguessable and covered by the signature, so the claim cannot be moved to another
certificate; what remains is *where* the URL points, and that is checked against the
published ``verify_base_urls`` (``official_base_for``): a URL outside them is not the
issuer's, whatever its claim says.  The checker must also never tell the user to open
the URL as given, only the official page ``{base}/v/<token>``.

A key's period is the period in which it may *sign*: a claim whose issue date lies
outside its key's period is invalid; a claim stays verifiable after its key's period
ends (certificates last decades).  A retired key still verifies what it signed.

Exceptions (``EcertError`` subclasses): ``ClaimFormatError`` (a claim that cannot be
decoded or encoded), ``KeySetError`` (an unusable key set).  Verification outcomes
are values (``Verification``), never exceptions.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ecert import EcertError
from ecert.vocab.numbering import CertificateNumber, parse_number

FORMAT_VERSION = 1
QUERY_PARAMETER = "c"
ALG = "Ed25519"
SIGNATURE_BYTES = 64
DOMAIN = b"ecert-qr-claim\x00"
EPOCH = date(1950, 1, 1)
MAX_CLAIM_CHARS = 400  # far above any real claim; refuses silly inputs before decoding
KID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,32}")
_B32 = re.compile(r"[A-Z2-7]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")
_NUMBER_COMPACT, _NUMBER_TEXT = 0x00, 0x01
_UTF16_FLAG = 0x80
_MAX_TEXT_BYTES = 0x7F

KeyStatus = Literal["active", "retired"]


class ClaimFormatError(EcertError):
    """A claim cannot be encoded or decoded."""


class KeySetError(EcertError):
    """A key set file or document cannot be used."""


@dataclass(frozen=True)
class ClaimFields:
    """What a claim states about one certificate version (before signing)."""

    number: str
    name: str = field(repr=False)  # the full name: never shown on public pages
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


@dataclass(frozen=True)
class PublishedKey:
    kid: str
    public_key: Ed25519PublicKey = field(repr=False, compare=False)
    public_key_b64: str
    not_before: date
    not_after: date
    status: KeyStatus = "active"
    alg: str = ALG

    def may_sign_on(self, day: date) -> bool:
        return self.not_before <= day <= self.not_after

    def as_json(self) -> dict[str, str]:
        return {
            "kid": self.kid,
            "alg": self.alg,
            "public_key": self.public_key_b64,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "status": self.status,
        }


@dataclass(frozen=True)
class KeySet:
    issuer: str
    keys: tuple[PublishedKey, ...] = ()
    # The official verification sites, normalised (``normalize_base_url``); () = unknown
    # (a key set published before the field existed).
    verify_base_urls: tuple[str, ...] = ()

    def get(self, kid: str) -> PublishedKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def with_base_urls(self, urls: Iterable[str]) -> KeySet:
        """This key set with ``urls`` added to its base URLs (KeySetError if one is not a base URL)."""
        merged = merge_base_urls(self.verify_base_urls, urls)
        if merged == self.verify_base_urls:
            return self
        return KeySet(self.issuer, self.keys, merged)

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"issuer": self.issuer}
        if self.verify_base_urls:  # omitted when unknown: the older format, unchanged
            document["verify_base_urls"] = list(self.verify_base_urls)
        document["keys"] = [key.as_json() for key in self.keys]
        return document

    def dumps(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


VerificationReason = Literal["ok", "malformed", "unknown_key", "bad_signature", "key_not_valid_on_date"]


@dataclass(frozen=True)
class Verification:
    """Outcome of checking a claim against a key set (no registry involved).

    ``claim`` is the decoded claim whenever it could be decoded, also when the
    signature does not hold: callers must only trust its fields when ``ok``.
    """

    ok: bool
    reason: VerificationReason
    message_zh: str
    message_en: str
    claim: Claim | None = None
    key: PublishedKey | None = None


# --------------------------------------------------------------------------- encoding


def signed_message(payload: bytes, token: str) -> bytes:
    return DOMAIN + payload + token.encode("ascii")


def encode_payload(fields: ClaimFields, kid: str) -> bytes:
    """The payload bytes of ``fields`` under key ``kid``; ClaimFormatError if they do not fit."""
    if not KID_PATTERN.fullmatch(kid):
        raise ClaimFormatError(f"key id {kid!r} must be 1-32 characters of A-Z a-z 0-9 . _ -")
    if not _TOKEN.fullmatch(fields.token):
        raise ClaimFormatError("token must be 8-64 URL-safe ASCII characters")
    if not 1 <= fields.version <= 255:
        raise ClaimFormatError(f"certificate version {fields.version} is outside 1..255")
    out = bytearray([FORMAT_VERSION, len(kid)]) + kid.encode("ascii")
    out += _days(fields.issue_date, "issue date") + _days(fields.grant_date, "grant date")
    out.append(fields.version)
    out += _encode_number(fields.number)
    out += _encode_text(fields.name, "name") + _encode_text(fields.qualification, "qualification")
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


def _encode_text(text: str, what: str) -> bytes:
    utf8 = text.encode("utf-8")
    utf16 = text.encode("utf-16-be")
    flag, raw = (_UTF16_FLAG, utf16) if len(utf16) < len(utf8) else (0, utf8)
    if not 0 < len(raw) <= _MAX_TEXT_BYTES:
        raise ClaimFormatError(f"{what} must encode to 1-{_MAX_TEXT_BYTES} bytes")
    return bytes([flag | len(raw)]) + raw


# --------------------------------------------------------------------------- decoding


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
    if not _TOKEN.fullmatch(token):
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
    if r.u8() != FORMAT_VERSION:
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
    name = _decode_text(r)
    qualification = _decode_text(r)
    if r.pos != len(payload):
        raise ClaimFormatError("claim has trailing bytes")
    return Claim(
        number=number,
        name=name,
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


def _decode_text(r: _Reader) -> str:
    header = r.u8()
    raw = r.take(header & _MAX_TEXT_BYTES)
    text = _utf(raw, "utf-16-be" if header & _UTF16_FLAG else "utf-8")
    if not text or _encode_text(text, "text") != bytes([header]) + raw:
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


# --------------------------------------------------------------------------- verification

_MESSAGES: dict[str, tuple[str, str]] = {
    "ok": ("二维码签名有效", "The QR claim's signature is valid"),
    "malformed": ("二维码中的签名信息无法识别或不完整", "The QR claim is malformed or incomplete"),
    "unknown_key": ("二维码签名所用的密钥不在发证机关公布的密钥中", "The QR claim is signed with a key the issuer has not published"),
    "bad_signature": ("二维码签名无效：内容可能被篡改", "The QR claim's signature does not hold: the content may have been altered"),
    "key_not_valid_on_date": (
        "二维码签名无效：签名密钥在签发日期 {day} 不在有效期（{start} 至 {end}）内",
        "The QR claim is invalid: its key was not valid on the issue date {day} (signing period {start} to {end})",
    ),
}


def _verification(reason: VerificationReason, claim: Claim | None = None, key: PublishedKey | None = None, **fmt: Any) -> Verification:
    zh, en = _MESSAGES[reason]
    return Verification(reason == "ok", reason, zh.format(**fmt), en.format(**fmt), claim, key)


def verify_claim(text: str, token: str, keyset: KeySet) -> Verification:
    """Decode ``text`` and check its signature and key period; never raises for bad input."""
    try:
        claim = decode_claim(text, token)
    except ClaimFormatError:
        return _verification("malformed")
    except Exception:  # noqa: BLE001 - fail closed on anything unforeseen in hostile input
        return _verification("malformed")
    key = keyset.get(claim.kid)
    if key is None or key.alg != ALG:
        return _verification("unknown_key", claim)
    try:
        key.public_key.verify(claim.signature, claim.message)
    except InvalidSignature:
        return _verification("bad_signature", claim, key)
    if not key.may_sign_on(claim.issue_date):
        return _verification(
            "key_not_valid_on_date", claim, key, day=claim.issue_date, start=key.not_before, end=key.not_after
        )
    return _verification("ok", claim, key)


# --------------------------------------------------------------------------- key sets


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def published_key(
    kid: str, public_key: Ed25519PublicKey, not_before: date, not_after: date, status: KeyStatus = "active"
) -> PublishedKey:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if not KID_PATTERN.fullmatch(kid):
        raise KeySetError(f"key id {kid!r} must be 1-32 characters of A-Z a-z 0-9 . _ -")
    if not_after < not_before:
        raise KeySetError(f"key {kid}: not_after is before not_before")
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PublishedKey(kid, public_key, b64url(raw), not_before, not_after, status)


def parse_keyset(document: Any) -> KeySet:
    """A key set from its parsed JSON; KeySetError says what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeySetError('a key set is a JSON object with a "keys" list')
    issuer = document.get("issuer", "")
    if not isinstance(issuer, str):
        raise KeySetError('"issuer" must be text')
    keys: list[PublishedKey] = []
    for i, entry in enumerate(document["keys"]):
        keys.append(_parse_key(entry, i))
    kids = [key.kid for key in keys]
    if len(set(kids)) != len(kids):
        raise KeySetError("a key id appears twice in the key set")
    bases = document.get("verify_base_urls", [])
    if not isinstance(bases, list) or not all(isinstance(url, str) for url in bases):
        raise KeySetError('"verify_base_urls" must be a list of URLs')
    return KeySet(issuer=issuer, keys=tuple(keys), verify_base_urls=merge_base_urls((), bases))


def _parse_key(entry: Any, i: int) -> PublishedKey:
    if not isinstance(entry, dict):
        raise KeySetError(f"key #{i} is not an object")
    kid = entry.get("kid")
    where = f"key {kid!r}" if isinstance(kid, str) else f"key #{i}"
    if not isinstance(kid, str) or not KID_PATTERN.fullmatch(kid):
        raise KeySetError(f"{where}: kid must be 1-32 characters of A-Z a-z 0-9 . _ -")
    if entry.get("alg") != ALG:
        raise KeySetError(f"{where}: alg must be {ALG}")
    status = entry.get("status", "active")
    if status not in ("active", "retired"):
        raise KeySetError(f"{where}: status must be active or retired")
    b64 = entry.get("public_key")
    try:
        if not isinstance(b64, str):
            raise ValueError
        raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(raw) != 32:
            raise ValueError
        public_key = Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as exc:
        raise KeySetError(f"{where}: public_key must be base64url of 32 raw bytes") from exc
    try:
        not_before = date.fromisoformat(entry["not_before"])
        not_after = date.fromisoformat(entry["not_after"])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeySetError(f"{where}: not_before and not_after must be ISO dates") from exc
    if not_after < not_before:
        raise KeySetError(f"{where}: not_after is before not_before")
    return PublishedKey(kid, public_key, b64url(raw), not_before, not_after, status)


def loads_keyset(text: str | bytes) -> KeySet:
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeySetError(f"key set is not JSON: {exc}") from exc
    return parse_keyset(document)


def load_keyset(path: Path) -> KeySet:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeySetError(f"cannot read key set {path}: {exc.strerror or exc}") from exc
    return loads_keyset(data)


# --------------------------------------------------------------------------- official sites

_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _url_parts(url: str) -> tuple[str, str, str, str, str, str] | None:
    """(scheme, host[:port], path, query, fragment, origin as given) of an absolute http(s) URL.

    None for anything a browser might read otherwise than ``urlsplit`` does: spaces,
    control or invisible characters, backslashes, user info (``https://a@b/``), a bad port.
    """
    if not isinstance(url, str) or _URL_UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    host = host.removesuffix(".")  # the root label: the same DNS name
    if not host or host.endswith(".") or (":" in host and not parts.netloc.startswith("[")):
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return parts.scheme, host, parts.path, parts.query, parts.fragment, f"{parts.scheme}://{parts.netloc}"


def normalize_base_url(url: str) -> str:
    """The canonical form of an official verification base URL; KeySetError if it is not one.

    ``HTTPS://Ecert.Dazu.gov.cn:443/`` becomes ``https://ecert.dazu.gov.cn``.
    """
    parts = _url_parts(url.strip() if isinstance(url, str) else url)
    if parts is None or "?" in url or "#" in url:
        raise KeySetError(f"{url!r} is not a verification base URL (http or https, a host, no query or fragment)")
    scheme, host, path, _, _, _ = parts
    return f"{scheme}://{host}{path.rstrip('/')}"


def merge_base_urls(first: Iterable[str], more: Iterable[str]) -> tuple[str, ...]:
    """Normalised base URLs of ``first`` then ``more``, each once, in order."""
    merged: list[str] = []
    for url in (*first, *more):
        base = normalize_base_url(url)
        if base not in merged:
            merged.append(base)
    return tuple(merged)


def url_origin(url: str) -> str:
    """``scheme://netloc`` of ``url`` as given (for messages; may be empty)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme or parts.netloc else ""


def official_base_for(url: str, bases: Sequence[str]) -> str | None:
    """The base URL of ``bases`` under which ``url`` is a verification URL, or None.

    ``url`` must be ``{base}/v/<token>`` (a trailing slash allowed) with any query and
    fragment: the same scheme, host (case-insensitive) and port as the base, and exactly
    the base's path before ``/v/<token>``.  Scheme http never matches an https base.
    """
    parts = _url_parts(url.strip()) if isinstance(url, str) else None
    if parts is None:
        return None
    scheme, host, path, _, _, _ = parts
    path = path.removesuffix("/")
    prefix, sep, token = path.rpartition("/v/")
    if not sep or not token or "/" in token:
        return None
    here = f"{scheme}://{host}{prefix}"
    for base in bases:
        try:
            if normalize_base_url(base) == here:
                return base
        except KeySetError:
            continue
    return None
