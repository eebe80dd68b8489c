"""The published QR key set: its keys and periods, the official verification sites, and its JSON.

Served at ``/.well-known/ecert-qr-keys.json``::

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

A key's period is the period in which it may *sign* (see ``ecert.qr_claim.verify``).
An unusable key set raises ``KeySetError``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ecert import EcertError
from ecert.qr_claim.format import KID_PATTERN

ALG = "Ed25519"

KeyStatus = Literal["active", "retired"]


class KeySetError(EcertError):
    """A key set file or document cannot be used."""


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


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def published_key(
    kid: str, public_key: Ed25519PublicKey, not_before: date, not_after: date, status: KeyStatus = "active"
) -> PublishedKey:
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
