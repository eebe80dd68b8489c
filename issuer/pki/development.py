"""Development PKI: root CA → issuing CA → document signer, plus a timestamp authority.

DEVELOPMENT ONLY. Every subject says so ("… DEVELOPMENT … NOT FOR PRODUCTION"); production
refuses these parts (see ``issuer.signing.signers.build_document_signer``).

Generated on first use under one directory (``Settings.pki_dir``)::

    root-ca.key.pem / root-ca.cert.pem             RSA-2048, 25 years
    issuing-ca.key.pem / issuing-ca.cert.pem       RSA-2048, 15 years, signed by the root
    signer.key.pem / signer.cert.pem               RSA-2048, 5 years, CN=O=office name, C=CN,
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

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from issuer import PKIError

__all__ = [
    "CRL_VALIDITY",
    "DevelopmentPKI",
    "DevelopmentTimeStamper",
    "build_timestamper",
    "is_complete",
]

ROOT_CN = "ecert DEVELOPMENT Root CA — NOT FOR PRODUCTION"
ISSUING_CN = "ecert DEVELOPMENT Issuing CA — NOT FOR PRODUCTION"
TSA_CN = "ecert DEVELOPMENT Timestamp Authority — NOT FOR PRODUCTION"
DEV_ORG = "ecert DEVELOPMENT PKI — NOT FOR PRODUCTION"

ROOT_VALIDITY = dt.timedelta(days=25 * 365 + 6)
ISSUING_VALIDITY = dt.timedelta(days=15 * 365 + 4)
SIGNER_VALIDITY = dt.timedelta(days=5 * 365 + 1)
TSA_VALIDITY = dt.timedelta(days=10 * 365 + 2)
CRL_VALIDITY = dt.timedelta(days=7)
CRL_MAX_AGE = dt.timedelta(days=1)
# Refresh a CRL when less than this remains before its nextUpdate (covers clocks jumping).
CRL_MIN_REMAINING = dt.timedelta(days=5)
BACKDATE = dt.timedelta(minutes=5)

_FILES = {
    "root": ("root-ca.key.pem", "root-ca.cert.pem"),
    "issuing": ("issuing-ca.key.pem", "issuing-ca.cert.pem"),
    "signer": ("signer.key.pem", "signer.cert.pem"),
    "tsa": ("tsa.key.pem", "tsa.cert.pem"),
}
_CRL_FILES = {"root": "root.crl", "issuing": "issuing-ca.crl"}
_META = "pki.json"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def crl_url(public_url: str, which: str) -> str:
    return f"{public_url.rstrip('/')}/pki/{_CRL_FILES[which]}"


# --------------------------------------------------------------------------- generation


def _name(cn: str, org: str, country: str = "CN") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ku(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer_name: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    validity: dt.timedelta,
    now: dt.datetime,
    ca_path_length: int | None | bool,
    key_usage: x509.KeyUsage,
    crl_dp: str | None = None,
    eku_timestamping: bool = False,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .add_extension(key_usage, critical=True)
    )
    if ca_path_length is False:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    else:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=ca_path_length), critical=True  # type: ignore[arg-type]
        )
    if crl_dp:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_dp)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    if eku_timestamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _make_crl(
    issuer_cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey, now: dt.datetime, number: int
) -> x509.CertificateRevocationList:
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(now + CRL_VALIDITY)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .add_extension(x509.CRLNumber(number), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, mode)


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    _write(tmp, data, mode)
    os.replace(tmp, path)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _generate_into(target: Path, office_name: str, public_url: str) -> None:
    now = _now()
    root_key, issuing_key, signer_key, tsa_key = (_new_key() for _ in range(4))
    root_name = _name(ROOT_CN, DEV_ORG)
    issuing_name = _name(ISSUING_CN, DEV_ORG)
    root = _issue(
        subject=root_name, public_key=root_key.public_key(), issuer_name=root_name, issuer_key=root_key,
        validity=ROOT_VALIDITY, now=now, ca_path_length=None, key_usage=_ku(ca=True),
    )
    issuing = _issue(
        subject=issuing_name, public_key=issuing_key.public_key(), issuer_name=root_name,
        issuer_key=root_key, validity=ISSUING_VALIDITY, now=now, ca_path_length=0,
        key_usage=_ku(ca=True), crl_dp=crl_url(public_url, "root"),
    )
    signer = _issue(
        subject=_name(office_name, office_name), public_key=signer_key.public_key(),
        issuer_name=issuing_name, issuer_key=issuing_key, validity=SIGNER_VALIDITY, now=now,
        ca_path_length=False, key_usage=_ku(sign=True), crl_dp=crl_url(public_url, "issuing"),
    )
    tsa = _issue(
        subject=_name(TSA_CN, DEV_ORG), public_key=tsa_key.public_key(), issuer_name=issuing_name,
        issuer_key=issuing_key, validity=TSA_VALIDITY, now=now, ca_path_length=False,
        key_usage=_ku(sign=True), crl_dp=crl_url(public_url, "issuing"), eku_timestamping=True,
    )
    for which, key, cert in (
        ("root", root_key, root),
        ("issuing", issuing_key, issuing),
        ("signer", signer_key, signer),
        ("tsa", tsa_key, tsa),
    ):
        key_file, cert_file = _FILES[which]
        _write(target / key_file, _key_pem(key), 0o600)
        _write(target / cert_file, cert.public_bytes(serialization.Encoding.PEM))
    _write(target / _CRL_FILES["root"], _make_crl(root, root_key, now, 1).public_bytes(serialization.Encoding.DER))
    _write(
        target / _CRL_FILES["issuing"],
        _make_crl(issuing, issuing_key, now, 1).public_bytes(serialization.Encoding.DER),
    )
    meta = {
        "warning": "DEVELOPMENT PKI - NOT FOR PRODUCTION",
        "office_name": office_name,
        "public_url": public_url,
        "created": now.isoformat(),
    }
    _write(target / _META, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))


@contextlib.contextmanager
def _file_lock(lock_path: Path) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
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
            with _file_lock(directory.parent / f".{directory.name}.lock"):
                if not is_complete(directory):
                    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
                    try:
                        os.chmod(tmp, 0o700)
                        _generate_into(tmp, office_name, public_url)
                        if directory.exists():
                            # An empty or half-made directory from a crashed older layout.
                            if any(directory.iterdir()):
                                raise PKIError(
                                    f"{directory} exists but holds no complete development PKI; "
                                    "remove it to regenerate"
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
        return asn1_pem.armor("CERTIFICATE", self.root_cert.dump()).decode("ascii")

    def signing_key_pem(self) -> bytes:
        """PKCS#8 PEM of the document-signing key (for exporting to PKCS#12 / an HSM in tests)."""
        return _key_pem(self.signing_key)

    # ------------------------------------------------------------------ revocation
    def crls(self) -> list[asn1_crl.CertificateList]:
        """Current CRLs of the root and issuing CA, regenerated when stale."""
        now = _now()
        with self._lock:
            if all(self._fresh(s, now) for s in self._crl_state.values()) and len(self._crl_state) == 2:
                return [s.crl for s in self._crl_state.values()]
            with _file_lock(self.directory / ".crl.lock"):
                for which in ("root", "issuing"):
                    state = self._read_crl(which)
                    if state is None or not self._fresh(state, now):
                        state = self._regenerate_crl(which, state, now)
                    self._crl_state[which] = state
            return [s.crl for s in self._crl_state.values()]

    def crls_at(self, moment: dt.datetime) -> list[asn1_crl.CertificateList]:
        """CRLs as the CAs would publish them at ``moment`` (tests: validation years later).

        Not stored; the on-disk CRLs are untouched.
        """
        out = []
        for which, key in (("root", self._root_key), ("issuing", self._issuing_key)):
            new = _make_crl(self._pyca_certs[which], key, moment, 1000)
            out.append(asn1_crl.CertificateList.load(new.public_bytes(serialization.Encoding.DER)))
        return out

    def crl_next_update(self) -> dt.datetime:
        """Earliest nextUpdate among the current CRLs."""
        self.crls()
        return min(s.next_update for s in self._crl_state.values())

    @staticmethod
    def _fresh(state: _CRLState, now: dt.datetime) -> bool:
        return now - state.this_update < CRL_MAX_AGE and state.next_update - now > CRL_MIN_REMAINING

    def _read_crl(self, which: str) -> _CRLState | None:
        path = self.directory / _CRL_FILES[which]
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
        new = _make_crl(self._pyca_certs[which], key, now, number)
        data = new.public_bytes(serialization.Encoding.DER)
        _write_atomic(self.directory / _CRL_FILES[which], data)
        crl = asn1_crl.CertificateList.load(data)
        tbs = crl["tbs_cert_list"]
        return _CRLState(crl, tbs["this_update"].native, tbs["next_update"].native)


# --------------------------------------------------------------------------- timestamping


def _dev_timestamper_class():  # deferred import: pyHanko is heavy
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class _DevTS(DummyTimeStamper):
        """In-process RFC 3161 TSA signing with the development TSA key (parsed once)."""

        def __init__(self, pki: DevelopmentPKI):
            super().__init__(
                tsa_cert=pki.tsa_cert,
                tsa_key=pki.tsa_key_info,
                certs_to_embed=SimpleCertificateStore.from_certs([pki.issuing_ca_cert]),
            )
            self._pyca_key = pki.tsa_key
            self._signing_cert_attr = None

        def _sign_tst_info(self, tst_info_data, md_algorithm, dt_):  # noqa: D401
            from asn1crypto import cms, core
            from pyhanko.sign import general
            from pyhanko.sign.general import simple_cms_attribute
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash

            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            if self._signing_cert_attr is None:  # constant: encode once
                attr = simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert))
                self._signing_cert_attr = cms.CMSAttribute.load(attr.dump())
            signed_attrs = cms.CMSAttributes(
                [
                    simple_cms_attribute("content_type", "tst_info"),
                    simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt_)})),
                    self._signing_cert_attr,
                    simple_cms_attribute("message_digest", digest.finalize()),
                ]
            )
            signature = self._pyca_key.sign(
                signed_attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
            )
            return signature, signed_attrs

    return _DevTS


def DevelopmentTimeStamper(pki: DevelopmentPKI):  # noqa: N802 - reads like a class
    """A pyHanko ``TimeStamper`` answering in-process (no sockets) with the dev TSA."""
    return _dev_timestamper_class()(pki)


def build_timestamper(*, tsa_url: str | None, pki: DevelopmentPKI | None = None, production: bool = False):
    """``HTTPTimeStamper(tsa_url)`` when a URL is configured, else the in-process dev TSA.

    In production a URL is mandatory and the development TSA is refused.
    """
    if tsa_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(tsa_url, timeout=10)
    if production:
        raise PKIError("production needs ECERT_TSA_URL: the development timestamp authority is refused")
    if pki is None:
        raise PKIError("no TSA URL configured and no development PKI to timestamp with")
    return DevelopmentTimeStamper(pki)
