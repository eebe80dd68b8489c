"""Development PKI on disk: root CA → issuing CA → document signer, plus a timestamp authority.

DEVELOPMENT ONLY. Every subject says so ("… DEVELOPMENT … NOT FOR PRODUCTION"; the
certificates are made by ``issuer.pki.hierarchy``); production refuses these parts (see
``issuer.signing.signers.build_document_signer``). A PKI made before the document signer's
subject said so keeps loading as it is: remove the directory to regenerate it.

Generated on first use under one directory (``Settings.pki_dir``)::

    root-ca.key.pem / root-ca.cert.pem             RSA-2048, 25 years
    issuing-ca.key.pem / issuing-ca.cert.pem       RSA-2048, 15 years, signed by the root
    signer.key.pem / signer.cert.pem               RSA-2048, 5 years, CN=O=office name, C=CN,
                                                   OU=ecert DEVELOPMENT PKI — NOT FOR PRODUCTION,
                                                   keyUsage digitalSignature+nonRepudiation
    tsa.key.pem / tsa.cert.pem                     RSA-2048, 10 years, EKU timeStamping (critical)
    root.crl / issuing-ca.crl                      DER CRLs, 7 days, refreshed when a day old
    pki.json                                       office name and public URL used

RSA is deliberate: an ECDSA or Ed25519 signer makes pyHanko raise the PDF version to 2.0,
which breaks PDF/A-2/3. Keys are written 0600. Creation is race-safe: under an exclusive
``flock`` the files are written to a temporary directory that is then renamed into place,
so a concurrent process sees either nothing or a complete PKI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ecert.clock import utc_now
from ecert.files import file_lock, write_atomic
from ecert.x509 import certificate_pem
from issuer import PKIError
from issuer.pki.hierarchy import CRL_FILES, CRL_VALIDITY, generate, make_crl

__all__ = ["CRL_VALIDITY", "DevelopmentPKI", "is_complete"]

_FILES = {
    "root": ("root-ca.key.pem", "root-ca.cert.pem"),
    "issuing": ("issuing-ca.key.pem", "issuing-ca.cert.pem"),
    "signer": ("signer.key.pem", "signer.cert.pem"),
    "tsa": ("tsa.key.pem", "tsa.cert.pem"),
}
_META = "pki.json"
# CRLs are refreshed when a day old, or when less than five days remain before their
# nextUpdate (covers clocks jumping).
CRL_MAX_AGE = dt.timedelta(days=1)
CRL_MIN_REMAINING = dt.timedelta(days=5)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _generate_into(target: Path, office_name: str, public_url: str) -> None:
    now = utc_now()
    issued = generate(office_name, public_url, now)
    for which, (key_file, cert_file) in _FILES.items():
        write_atomic(target / key_file, _key_pem(issued[which].key), 0o600)
        write_atomic(target / cert_file, issued[which].certificate.public_bytes(serialization.Encoding.PEM))
    for which, crl_file in CRL_FILES.items():
        crl = make_crl(issued[which].certificate, issued[which].key, now, 1)
        write_atomic(target / crl_file, crl.public_bytes(serialization.Encoding.DER))
    meta = {
        "warning": "DEVELOPMENT PKI - NOT FOR PRODUCTION",
        "office_name": office_name,
        "public_url": public_url,
        "created": now.isoformat(),
    }
    write_atomic(target / _META, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))


def is_complete(directory: Path) -> bool:
    """Whether ``directory`` holds a whole development PKI (its metadata is written last)."""
    return (directory / _META).is_file()


def _stamp(directory: Path) -> tuple[int, int] | None:
    try:
        st = (directory / _FILES["signer"][1]).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


_CACHE: dict[tuple[str, str], tuple[tuple[int, int] | None, DevelopmentPKI]] = {}


# --------------------------------------------------------------------------- loading


def _to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _to_asn1_key(key: rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@dataclass
class _CRLState:
    crl: asn1_crl.CertificateList
    this_update: dt.datetime
    next_update: dt.datetime


@dataclass(eq=False)
class DevelopmentPKI:
    """A loaded development PKI. Build with :meth:`load_or_create`; attributes are parsed once.

    Certificates are ``asn1crypto.x509.Certificate`` (what pyHanko wants); the matching
    ``*_key`` attributes are ``cryptography`` RSA keys and ``*_key_info`` the asn1crypto
    ``PrivateKeyInfo``.
    """

    directory: Path
    office_name: str
    public_url: str
    root_cert: asn1_x509.Certificate
    issuing_ca_cert: asn1_x509.Certificate
    signing_cert: asn1_x509.Certificate
    tsa_cert: asn1_x509.Certificate
    signing_key: rsa.RSAPrivateKey = field(repr=False)
    tsa_key: rsa.RSAPrivateKey = field(repr=False)
    _root_key: rsa.RSAPrivateKey = field(repr=False)
    _issuing_key: rsa.RSAPrivateKey = field(repr=False)
    _pyca_certs: dict[str, x509.Certificate] = field(repr=False)
    _crl_state: dict[str, _CRLState] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def load_or_create(cls, directory: Path, office_name: str, public_url: str) -> DevelopmentPKI:
        """Load the development PKI under ``directory``, generating it first if absent.

        Parsed once per process: later calls for the same directory return the same object
        (unless the files were replaced).
        """
        directory = Path(directory).absolute()
        key = (str(directory), office_name)
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == _stamp(directory):
            return cached[1]
        pki = cls._load_or_create(directory, office_name, public_url)
        _CACHE[key] = (_stamp(directory), pki)
        return pki

    @classmethod
    def _load_or_create(cls, directory: Path, office_name: str, public_url: str) -> DevelopmentPKI:
        if not is_complete(directory):
            directory.parent.mkdir(parents=True, exist_ok=True)
            with file_lock(directory.parent / f".{directory.name}.lock"):
                if not is_complete(directory):
                    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
                    try:
                        os.chmod(tmp, 0o700)
                        _generate_into(tmp, office_name, public_url)
                        if directory.exists():
                            # An empty or half-made directory from a crashed older layout.
                            if any(directory.iterdir()):
                                raise PKIError(
                                    f"{directory} exists but holds no complete development PKI; remove it to regenerate"
                                )
                            directory.rmdir()
                        os.rename(tmp, directory)
                    finally:
                        if tmp.exists():
                            shutil.rmtree(tmp, ignore_errors=True)
        return cls._load(directory, office_name, public_url)

    @classmethod
    def _load(cls, directory: Path, office_name: str, public_url: str) -> DevelopmentPKI:
        try:
            meta = json.loads((directory / _META).read_text("utf-8"))
            keys: dict[str, rsa.RSAPrivateKey] = {}
            certs: dict[str, x509.Certificate] = {}
            for which, (key_file, cert_file) in _FILES.items():
                key = serialization.load_pem_private_key((directory / key_file).read_bytes(), None)
                if not isinstance(key, rsa.RSAPrivateKey):
                    raise PKIError(f"{key_file}: not an RSA key")
                keys[which] = key
                certs[which] = x509.load_pem_x509_certificate((directory / cert_file).read_bytes())
        except PKIError:
            raise
        except (OSError, ValueError) as exc:
            raise PKIError(f"cannot load the development PKI from {directory}: {exc}") from exc
        if meta.get("office_name") != office_name:
            raise PKIError(
                f"the development PKI in {directory} was made for {meta.get('office_name')!r}, "
                f"not {office_name!r}; remove the directory to regenerate it"
            )
        pki = cls(
            directory=directory,
            office_name=office_name,
            public_url=meta.get("public_url", public_url),
            root_cert=_to_asn1_cert(certs["root"]),
            issuing_ca_cert=_to_asn1_cert(certs["issuing"]),
            signing_cert=_to_asn1_cert(certs["signer"]),
            tsa_cert=_to_asn1_cert(certs["tsa"]),
            signing_key=keys["signer"],
            tsa_key=keys["tsa"],
            _root_key=keys["root"],
            _issuing_key=keys["issuing"],
            _pyca_certs=certs,
        )
        return pki

    # ------------------------------------------------------------------ key material
    @property
    def signing_key_info(self) -> asn1_keys.PrivateKeyInfo:
        return _to_asn1_key(self.signing_key)

    @property
    def tsa_key_info(self) -> asn1_keys.PrivateKeyInfo:
        return _to_asn1_key(self.tsa_key)

    @property
    def chain(self) -> list[asn1_x509.Certificate]:
        """Issuing CA and root: the certificates to embed besides the signer's own."""
        return [self.issuing_ca_cert, self.root_cert]

    def roots_pem(self) -> str:
        """The root certificate as PEM: what a verifier pins."""
        return certificate_pem(self.root_cert)

    # ------------------------------------------------------------------ revocation
    def crls(self) -> list[asn1_crl.CertificateList]:
        """Current CRLs of the root and issuing CA, regenerated when stale."""
        now = utc_now()
        with self._lock:
            if all(self._fresh(s, now) for s in self._crl_state.values()) and len(self._crl_state) == 2:
                return [s.crl for s in self._crl_state.values()]
            with file_lock(self.directory / ".crl.lock"):
                for which in ("root", "issuing"):
                    state = self._read_crl(which)
                    if state is None or not self._fresh(state, now):
                        state = self._regenerate_crl(which, state, now)
                    self._crl_state[which] = state
            return [s.crl for s in self._crl_state.values()]

    def crl_next_update(self) -> dt.datetime:
        """Earliest nextUpdate among the current CRLs."""
        self.crls()
        return min(s.next_update for s in self._crl_state.values())

    @staticmethod
    def _fresh(state: _CRLState, now: dt.datetime) -> bool:
        return now - state.this_update < CRL_MAX_AGE and state.next_update - now > CRL_MIN_REMAINING

    def _read_crl(self, which: str) -> _CRLState | None:
        path = self.directory / CRL_FILES[which]
        try:
            data = path.read_bytes()
            crl = asn1_crl.CertificateList.load(data)
            tbs = crl["tbs_cert_list"]
            return _CRLState(crl, tbs["this_update"].native, tbs["next_update"].native)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _regenerate_crl(self, which: str, old: _CRLState | None, now: dt.datetime) -> _CRLState:
        number = 1
        if old is not None:
            ext = old.crl["tbs_cert_list"]["crl_extensions"]
            for item in ext:
                if item["extn_id"].native == "crl_number":
                    number = int(item["extn_value"].native) + 1
        key = self._root_key if which == "root" else self._issuing_key
        new = make_crl(self._pyca_certs[which], key, now, number)
        data = new.public_bytes(serialization.Encoding.DER)
        write_atomic(self.directory / CRL_FILES[which], data)
        crl = asn1_crl.CertificateList.load(data)
        tbs = crl["tbs_cert_list"]
        return _CRLState(crl, tbs["this_update"].native, tbs["next_update"].native)
