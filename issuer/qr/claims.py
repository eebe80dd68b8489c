"""Signing the QR claim (format: ``ecert.qr_claim``) with an Ed25519 key of its own.

The QR key is separate from the PDF-signing key: it signs only the short claim printed
in the QR code, and its public half is published as a key set that anyone can save and
use offline (``/.well-known/ecert-qr-keys.json``, ``ecert verify-qr --keys``).

Two signers, one interface (``sign(fields) -> claim text``):

- **Configured** (required in production): the private key from the PEM file
  ``ECERT_QR_KEY_FILE``, its key id ``ECERT_QR_KEY_ID``, and the published key set
  ``ECERT_QR_KEYSET_FILE`` that must list that key id with the matching public key.  It
  refuses to sign a claim whose issue date lies outside the key's published period:
  such a claim would verify as invalid.  The key set file is the operator's; when it
  lists ``verify_base_urls`` they must include ``ECERT_PUBLIC_URL`` (else the QR codes
  would point to a site the key set does not vouch for).  When it lists none, the
  verifier's ``/.well-known`` endpoint adds the instance's public URL when serving it.
- **Development** (DEVELOPMENT ONLY; ``Settings.check`` refuses it in production):
  keys generated on first use under ``<home>/qr-keys/`` (``<kid>.key.pem``, 0600, plus
  ``keys.json``), one per five calendar years, with key ids ``dev-<year>-<n>``.  When a
  claim's issue date is covered by no key, a new key is made for it and keys whose
  period has ended are marked retired.  The published key set is written to
  ``<home>/published/qr-keys.json`` with ``verify_base_urls``: the public URLs the
  claims were signed under (``settings.public_url``, earlier ones kept, since codes
  printed with them stay in circulation).  Creation is race-safe: under an exclusive
  ``flock`` every file is written to a temporary name and renamed into place, and the
  state is re-read under the lock before deciding to generate.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecert.files import file_lock, write_atomic
from ecert.qr_claim import (
    ClaimFields,
    KeySet,
    KeySetError,
    PublishedKey,
    encode_claim,
    encode_payload,
    load_keyset,
    merge_base_urls,
    normalize_base_url,
    parse_keyset,
    published_key,
    signed_message,
)
from ecert.settings import Settings
from issuer import PKIError

__all__ = ["ClaimSigner", "ConfiguredClaimSigner", "DevelopmentClaimSigner", "build_claim_signer"]

DEV_WARNING = "DEVELOPMENT QR CLAIM KEYS - NOT FOR PRODUCTION"
DEV_PERIOD_YEARS = 5
_META = "keys.json"


class ClaimSigner(Protocol):
    def sign(self, fields: ClaimFields) -> str:
        """The claim text (base32) for ``fields``; the signer picks its key."""
        ...


def _sign(private_key: Ed25519PrivateKey, kid: str, fields: ClaimFields) -> str:
    payload = encode_payload(fields, kid)
    return encode_claim(payload, private_key.sign(signed_message(payload, fields.token)))


def _public_matches(private_key: Ed25519PrivateKey, key: PublishedKey) -> bool:
    raw = serialization.Encoding.Raw
    mine = private_key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    theirs = key.public_key.public_bytes(raw, serialization.PublicFormat.Raw)
    return mine == theirs


# --------------------------------------------------------------------------- configured


@dataclass(frozen=True)
class ConfiguredClaimSigner:
    key: PublishedKey
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def load(cls, key_file: Path, kid: str, keyset_file: Path, public_url: str | None = None) -> ConfiguredClaimSigner:
        try:
            private_key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise PKIError(f"cannot load the QR claim key {key_file}: {exc}") from exc
        if not isinstance(private_key, Ed25519PrivateKey):
            raise PKIError(f"{key_file}: the QR claim key must be an Ed25519 private key")
        try:
            keyset = load_keyset(keyset_file)
        except KeySetError as exc:
            raise PKIError(f"QR key set {keyset_file}: {exc}") from exc
        key = keyset.get(kid)
        if key is None:
            raise PKIError(f"the published QR key set {keyset_file} has no key {kid!r}")
        if not _public_matches(private_key, key):
            raise PKIError(f"QR claim key {key_file} does not match key {kid!r} of {keyset_file}")
        if public_url is not None and keyset.verify_base_urls:
            try:
                listed = normalize_base_url(public_url) in keyset.verify_base_urls
            except KeySetError:
                listed = False
            if not listed:
                raise PKIError(
                    f"the QR key set {keyset_file} lists verify_base_urls {list(keyset.verify_base_urls)} "
                    f"but not the public URL {public_url!r}: QR codes would point to a site it does not vouch for"
                )
        return cls(key, private_key)

    def sign(self, fields: ClaimFields) -> str:
        if not self.key.may_sign_on(fields.issue_date):
            raise PKIError(
                f"QR claim key {self.key.kid} may sign from {self.key.not_before} to {self.key.not_after}, "
                f"not on {fields.issue_date}: configure the next key"
            )
        return _sign(self.private_key, self.key.kid, fields)


# --------------------------------------------------------------------------- development


class DevelopmentClaimSigner:
    """DEVELOPMENT ONLY: keys made on first use under ``directory``; see the module doc."""

    def __init__(
        self, directory: Path, published: Path, office_name: str, verify_base_urls: tuple[str, ...] = ()
    ) -> None:
        self.directory = Path(directory)
        self.published = Path(published)
        self.office_name = office_name
        try:
            self.verify_base_urls = merge_base_urls((), verify_base_urls)
        except KeySetError as exc:
            raise PKIError(f"the public URL cannot be published as a QR verification site: {exc}") from exc
        self._lock = threading.Lock()
        self._keys: list[tuple[PublishedKey, Ed25519PrivateKey]] = []
        self._bases: tuple[str, ...] = ()  # as last published (keys.json)
        self._stamp: tuple[int, int] | None = None

    def sign(self, fields: ClaimFields) -> str:
        key, private_key = self._key_for(fields.issue_date)
        return _sign(private_key, key.kid, fields)

    def keyset(self) -> KeySet:
        with self._lock:
            self._reload()
            return KeySet(
                self.office_name,
                tuple(key for key, _ in self._keys),
                merge_base_urls(self._bases, self.verify_base_urls),
            )

    # -- keys ---------------------------------------------------------------------------
    def _key_for(self, day: date) -> tuple[PublishedKey, Ed25519PrivateKey]:
        with self._lock:
            found = self._covering(day)
            if found is None or not self._bases_published():
                self._reload()
                found = self._covering(day)
            if found is None or not self._bases_published():
                self.directory.mkdir(parents=True, exist_ok=True)
                os.chmod(self.directory, 0o700)
                with file_lock(self.directory / ".lock"):
                    self._reload()  # another process may have made it meanwhile
                    found = self._covering(day)
                    if found is None:
                        found = self._generate(day)
                    elif not self._bases_published():
                        # Keys made before the base URLs were published, or a new public URL.
                        self._publish(self._keys)
            return found

    def _bases_published(self) -> bool:
        return all(base in self._bases for base in self.verify_base_urls)

    def _covering(self, day: date) -> tuple[PublishedKey, Ed25519PrivateKey] | None:
        # The most recent key whose period covers the day.
        return next((pair for pair in reversed(self._keys) if pair[0].may_sign_on(day)), None)

    def _meta_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.directory / _META).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _reload(self) -> None:
        stamp = self._meta_stamp()
        if stamp is None or stamp == self._stamp:
            return
        try:
            meta = json.loads((self.directory / _META).read_text("utf-8"))
            keyset = parse_keyset(meta)
            bases = keyset.verify_base_urls
            keys = []
            for key in keyset.keys:
                pem = (self.directory / f"{key.kid}.key.pem").read_bytes()
                private_key = serialization.load_pem_private_key(pem, password=None)
                if not isinstance(private_key, Ed25519PrivateKey) or not _public_matches(private_key, key):
                    raise PKIError(f"{self.directory}: key file of {key.kid} does not match keys.json")
                keys.append((key, private_key))
        except PKIError:
            raise
        except (OSError, ValueError, KeySetError) as exc:
            raise PKIError(f"cannot load the development QR keys from {self.directory}: {exc}") from exc
        self._keys, self._bases, self._stamp = keys, bases, stamp

    def _generate(self, day: date) -> tuple[PublishedKey, Ed25519PrivateKey]:
        existing = {key.kid for key, _ in self._keys}
        n = 1
        while f"dev-{day.year}-{n}" in existing:
            n += 1
        kid = f"dev-{day.year}-{n}"
        private_key = Ed25519PrivateKey.generate()
        key = published_key(
            kid, private_key.public_key(), date(day.year, 1, 1), date(day.year + DEV_PERIOD_YEARS - 1, 12, 31)
        )
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_atomic(self.directory / f"{kid}.key.pem", pem, 0o600)
        keys = [(_retired(old) if old.not_after < day else old, priv) for old, priv in self._keys] + [
            (key, private_key)
        ]
        self._publish(keys)
        return key, private_key

    def _publish(self, keys: list[tuple[PublishedKey, Ed25519PrivateKey]]) -> None:
        """Write the published key set and keys.json (under the file lock)."""
        bases = merge_base_urls(self._bases, self.verify_base_urls)
        keyset = KeySet(self.office_name, tuple(k for k, _ in keys), bases)
        meta = {"warning": DEV_WARNING, **keyset.as_json()}
        self.published.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.published, keyset.dumps().encode("utf-8"))
        write_atomic(self.directory / _META, (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        self._keys, self._bases, self._stamp = keys, bases, self._meta_stamp()


def _retired(key: PublishedKey) -> PublishedKey:
    return PublishedKey(key.kid, key.public_key, key.public_key_b64, key.not_before, key.not_after, "retired")


# --------------------------------------------------------------------------- factory


def build_claim_signer(settings: Settings) -> ClaimSigner:
    """The configured signer when ``ECERT_QR_KEY_FILE`` is set, else the development one.

    ``Settings.check`` already refuses production settings without a configured key.
    """
    if settings.qr_key_file is not None:
        if not settings.qr_key_id or settings.qr_keyset_file is None:
            raise PKIError("ECERT_QR_KEY_FILE needs ECERT_QR_KEY_ID and ECERT_QR_KEYSET_FILE")
        return ConfiguredClaimSigner.load(
            settings.qr_key_file, settings.qr_key_id, settings.qr_keyset_file, settings.public_url
        )
    if settings.is_production:
        raise PKIError("production refuses the development QR claim keys: set ECERT_QR_KEY_FILE")
    if settings.qr_keyset_file is not None:
        # The verifier would check against that file, which development keys never enter.
        raise PKIError("ECERT_QR_KEYSET_FILE is set but ECERT_QR_KEY_FILE is not: configure both or neither")
    return DevelopmentClaimSigner(
        settings.qr_dev_key_dir, settings.qr_keyset_path, settings.office_name, (settings.public_url,)
    )
