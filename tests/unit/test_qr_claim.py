"""The signed QR claim: format round trip, tampering, keys and their periods, hostile input."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecert.masking import mask_name
from ecert.qr_claim import (
    ClaimFields,
    ClaimFormatError,
    KeySet,
    KeySetError,
    claim_url,
    decode_claim,
    encode_claim,
    encode_payload,
    loads_keyset,
    parse_keyset,
    published_key,
    signed_message,
    verify_claim,
)
from ecert.settings import Settings
from issuer.qr import MAX_VERSION, qr_modules, qr_segments
from issuer.qr_signing import ConfiguredClaimSigner, DevelopmentClaimSigner, build_claim_signer
from verifier.lookup import PublicCertificate, PublicStatus
from verifier.qr_check import claim_status

TOKEN = "K7Q2M4X9TB3ZHRW5NPD6FJ8C"  # 24 base32 characters, as issuer.registry makes them


def _number(seq: int = 123) -> str:
    from ecert.numbering import format_number, next_usable_seq

    return format_number("500111", 2026, next_usable_seq("500111", 2026, seq))


FIELDS = ClaimFields(
    number=_number(),
    name="张三",
    qualification="主治医师",
    grant_date=date(2025, 12, 20),
    version=1,
    token=TOKEN,
    issue_date=date(2026, 11, 26),
)
WORST_NAME = "𠇔𡒄𪚥𠀀𠀁𠀂"  # six Ext-B characters, 4 UTF-8 bytes each
WORST_QUALIFICATION = "教授级高级工程师"
WORST_BASE = "https://ecert.dazu.gov.cn"


class Key:
    def __init__(self, kid: str = "dev-2026-1", start: date = date(2026, 1, 1), end: date = date(2030, 12, 31)):
        self.kid = kid
        self.private = Ed25519PrivateKey.generate()
        self.published = published_key(kid, self.private.public_key(), start, end)

    def keyset(self) -> KeySet:
        return KeySet("重庆市大足区职称改革办公室", (self.published,))

    def claim(self, fields: ClaimFields = FIELDS) -> str:
        payload = encode_payload(fields, self.kid)
        return encode_claim(payload, self.private.sign(signed_message(payload, fields.token)))


@pytest.fixture(scope="module")
def key() -> Key:
    return Key()


def _certificate(fields: ClaimFields = FIELDS, **changes: object) -> PublicCertificate:
    certificate = PublicCertificate(
        number=fields.number,
        version=fields.version,
        token=fields.token,
        status=PublicStatus.VALID,
        masked_name=mask_name(fields.name),
        qualification=fields.qualification,
        level="中级",
        series="卫生",
        specialty="临床医学",
        grant_date=fields.grant_date,
        approving_body="评委会",
        issuing_office_code="500111",
        issued_at=datetime(2026, 11, 26, 2, 30),
    )
    return replace(certificate, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    "fields",
    [
        FIELDS,
        replace(FIELDS, name=WORST_NAME, qualification=WORST_QUALIFICATION, version=255),
        replace(FIELDS, name="John Smith", number="渝职改〔1998〕第0123号"),  # UTF-8 wins; converted paper number
        replace(FIELDS, name="阿卜杜热合曼·买买提", grant_date=date(1950, 1, 1), issue_date=date(2129, 6, 1)),
    ],
)
def test_round_trip(key: Key, fields: ClaimFields) -> None:
    text = key.claim(fields)
    assert text.isupper() and set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    claim = decode_claim(text, fields.token)
    assert (claim.number, claim.name, claim.qualification, claim.grant_date, claim.version) == (
        fields.number, fields.name, fields.qualification, fields.grant_date, fields.version
    )
    assert (claim.token, claim.kid, claim.issue_date) == (fields.token, key.kid, fields.issue_date)
    result = verify_claim(text, fields.token, key.keyset())
    expected = "ok" if key.published.may_sign_on(fields.issue_date) else "key_not_valid_on_date"
    assert result.reason == expected and result.key == key.published


def test_compact_encoding_sizes(key: Key) -> None:
    # Typical: 5 + 11 kid + 8 number + 5 name + 9 qualification + 64 signature = 103 bytes.
    assert len(base64.b32decode(key.claim() + "=" * 3)) == 103
    worst = replace(FIELDS, name=WORST_NAME, qualification=WORST_QUALIFICATION)
    text = key.claim(worst)
    assert len(text) == 210  # 131 bytes


def test_encoding_refuses_what_does_not_fit() -> None:
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, version=256), "k1")
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, name="张" * 64), "k1")
    with pytest.raises(ClaimFormatError):
        encode_payload(FIELDS, "bad kid")
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, grant_date=date(1949, 12, 31)), "k1")


def _qr_version(url: str) -> int:
    return (len(qr_modules(url)) - 17) // 4


def test_worst_case_url_stays_at_version_10_level_m(key: Key) -> None:
    for kid in ("dev-2026-1", "dazu-2026-01-qr"):
        k = Key(kid)
        worst = replace(FIELDS, name=WORST_NAME, qualification=WORST_QUALIFICATION)
        url = claim_url(f"{WORST_BASE}/v/{TOKEN}", k.claim(worst))
        assert len(url) >= 265
        assert _qr_version(url) <= MAX_VERSION
        segments = qr_segments(url)
        assert "".join(segments) == url and len(segments) == 4
        code = segno.make([(s, None) for s in segments], error="m", boost_error=False, micro=False)
        assert code.error == "M"
        # Byte mode alone would need version 12: the mixed segments are what keeps it at 10.
        assert segno.make(url, error="m", boost_error=False, micro=False).version > MAX_VERSION
    typical = claim_url(f"{WORST_BASE}/v/{TOKEN}", key.claim())
    assert _qr_version(typical) == 9


# --------------------------------------------------------------------------- verification


def test_tampered_character_is_invalid(key: Key) -> None:
    text = key.claim()
    for i in range(0, len(text) - 1):  # the last character also carries 2 padding bits
        swapped = "A" if text[i] != "A" else "B"
        tampered = text[:i] + swapped + text[i + 1 :]
        result = verify_claim(tampered, TOKEN, key.keyset())
        assert not result.ok and result.reason in ("bad_signature", "malformed", "unknown_key"), i


def test_tampered_byte_is_invalid(key: Key) -> None:
    raw = bytearray(base64.b32decode(key.claim() + "==="))
    raw[20] ^= 0x01  # inside the number
    tampered = base64.b32encode(bytes(raw)).decode().rstrip("=")
    result = verify_claim(tampered, TOKEN, key.keyset())
    assert (result.ok, result.reason) == (False, "bad_signature")
    assert "篡改" in result.message_zh


def test_claim_moved_to_another_token_is_invalid(key: Key) -> None:
    result = verify_claim(key.claim(), "AAAAAAAAAAAAAAAAAAAAAAAA", key.keyset())
    assert (result.ok, result.reason) == (False, "bad_signature")


def test_wrong_key_is_invalid(key: Key) -> None:
    impostor = Key(key.kid)  # same key id, another key
    result = verify_claim(impostor.claim(), TOKEN, key.keyset())
    assert (result.ok, result.reason) == (False, "bad_signature")


def test_unknown_kid_is_invalid(key: Key) -> None:
    other = Key("dev-2031-1")
    result = verify_claim(other.claim(), TOKEN, key.keyset())
    assert (result.ok, result.reason) == (False, "unknown_key")
    assert verify_claim(other.claim(), TOKEN, KeySet("x")).reason == "unknown_key"


def test_key_not_valid_on_the_claims_date_is_invalid() -> None:
    expired = Key("old-2020-1", date(2020, 1, 1), date(2024, 12, 31))
    result = verify_claim(expired.claim(), TOKEN, expired.keyset())
    assert (result.ok, result.reason) == (False, "key_not_valid_on_date")
    assert "2026-11-26" in result.message_en and "2020-01-01 to 2024-12-31" in result.message_en
    assert "有效期" in result.message_zh
    not_yet = Key("new-2027-1", date(2027, 1, 1), date(2031, 12, 31))
    assert verify_claim(not_yet.claim(), TOKEN, not_yet.keyset()).reason == "key_not_valid_on_date"


def test_claim_stays_valid_after_its_keys_period_and_retirement() -> None:
    k = Key("old-2020-1", date(2020, 1, 1), date(2024, 12, 31))
    text = k.claim(replace(FIELDS, issue_date=date(2022, 3, 1)))
    retired = replace(k.published, status="retired")
    assert verify_claim(text, TOKEN, KeySet("x", (retired,))).ok  # checked in 2026, long after 2024


HOSTILE = [
    "",
    " ",
    "A",
    "a" * 210,
    "!!!!",
    "AAAA" * 200,
    "A" * 103,
    "AE" + "=" * 6,
    "\x00\x01",
    "ＡＢＣ",
    "4" * 210,
    "AEFGIZLWFUZDAMRWFUYW3ODMMMAQAHUGHR7KAAD3QRPSATQJ",  # truncated
]


@pytest.mark.parametrize("text", HOSTILE)
def test_malformed_claims_are_invalid_never_raise(key: Key, text: str) -> None:
    result = verify_claim(text, TOKEN, key.keyset())
    assert not result.ok
    status = claim_status(text, _certificate(), token=TOKEN, keyset=key.keyset(), full_name=FIELDS.name)
    assert status.state in ("invalid", "absent") and status.claim is None


def test_every_truncation_and_extension_is_invalid(key: Key) -> None:
    text = key.claim()
    for n in range(len(text)):
        assert not verify_claim(text[:n], TOKEN, key.keyset()).ok
    assert not verify_claim(text + "A", TOKEN, key.keyset()).ok
    assert not verify_claim(text + "AAAAAAAA", TOKEN, key.keyset()).ok


def test_random_payloads_never_raise(key: Key) -> None:
    rng = __import__("random").Random(7)
    for _ in range(400):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(60, 140)))
        raw = bytes([1, 10]) + b"dev-2026-1" + raw  # get past the header often
        text = base64.b32encode(raw).decode().rstrip("=")
        status = claim_status(text, _certificate(), token=TOKEN, keyset=key.keyset(), full_name="张三")
        assert status.state == "invalid"


def test_weird_tokens_never_raise(key: Key) -> None:
    for token in ("", "../../etc", "é" * 24, "A" * 500, "K7Q2M4X9TB3ZHRW5NPD6FJ8C\x00"):
        assert claim_status(key.claim(), None, token=token, keyset=key.keyset()).state == "invalid"


# --------------------------------------------------------------------------- claim_status


def test_claim_status_valid(key: Key) -> None:
    status = claim_status(key.claim(), _certificate(), token=TOKEN, keyset=key.keyset(), full_name="张三")
    assert (status.state, status.reason) == ("valid", "ok")
    assert status.claim is not None and status.claim.name == "张三"
    assert "张三" not in status.message_zh + status.message_en  # never the full name in messages
    # Without the registry's full name (no app context) the masked forms are compared.
    assert claim_status(key.claim(), _certificate(), token=TOKEN, keyset=key.keyset()).state == "valid"


def test_claim_status_absent(key: Key) -> None:
    for text in (None, ""):
        status = claim_status(text, _certificate(), token=TOKEN, keyset=key.keyset())
        assert status.state == "absent" and status.claim is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"version": 2}, "version"),
        ({"qualification": "副主任医师"}, "qualification"),
        ({"grant_date": date(2025, 12, 21)}, "grant_date"),
        ({"number": _number(124)}, "number"),
    ],
)
def test_claim_status_mismatch(key: Key, changes: dict, field: str) -> None:
    status = claim_status(key.claim(), _certificate(**changes), token=TOKEN, keyset=key.keyset(), full_name="张三")
    assert (status.state, status.mismatched) == ("mismatch", (field,))
    assert "不一致" in status.message_zh


def test_claim_status_full_name_mismatch_never_shows_the_name(key: Key) -> None:
    signed = replace(FIELDS, name="张小三")
    text = key.claim(signed)
    # Same masked form (张*三) but another full name: only the full comparison sees it.
    status = claim_status(text, _certificate(signed), token=TOKEN, keyset=key.keyset(), full_name="张大三")
    assert (status.state, status.mismatched) == ("mismatch", ("name",))
    assert "张小三" not in status.message_zh + status.message_en and "张大三" not in status.message_zh


def test_claim_status_unknown_certificate(key: Key) -> None:
    status = claim_status(key.claim(), None, token=TOKEN, keyset=key.keyset())
    assert (status.state, status.reason) == ("mismatch", "not_in_registry")


def test_claim_status_invalid_states(key: Key) -> None:
    expired = Key("old-2020-1", date(2020, 1, 1), date(2024, 12, 31))
    for text, keyset, reason in (
        (Key("other-1").claim(), key.keyset(), "unknown_key"),
        (Key(key.kid).claim(), key.keyset(), "bad_signature"),
        (expired.claim(), expired.keyset(), "key_not_valid_on_date"),
    ):
        status = claim_status(text, _certificate(), token=TOKEN, keyset=keyset, full_name="张三")
        assert (status.state, status.reason, status.claim) == ("invalid", reason, None)


# --------------------------------------------------------------------------- key sets


def test_keyset_json_round_trip(key: Key) -> None:
    document = json.loads(key.keyset().dumps())
    assert document == {
        "issuer": "重庆市大足区职称改革办公室",
        "keys": [
            {
                "kid": "dev-2026-1",
                "alg": "Ed25519",
                "public_key": key.published.public_key_b64,
                "not_before": "2026-01-01",
                "not_after": "2030-12-31",
                "status": "active",
            }
        ],
    }
    assert len(base64.urlsafe_b64decode(key.published.public_key_b64 + "=")) == 32
    assert verify_claim(key.claim(), TOKEN, loads_keyset(key.keyset().dumps())).ok


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(keys="x"),
        lambda d: d["keys"][0].update(alg="RS256"),
        lambda d: d["keys"][0].update(public_key="AAAA"),
        lambda d: d["keys"][0].update(public_key=None),
        lambda d: d["keys"][0].update(not_before="yesterday"),
        lambda d: d["keys"][0].update(not_after="2019-01-01"),
        lambda d: d["keys"][0].update(status="compromised"),
        lambda d: d["keys"][0].update(kid="a b"),
        lambda d: d["keys"].append(dict(d["keys"][0])),
        lambda d: d["keys"].append("key"),
    ],
)
def test_bad_keysets_are_refused(key: Key, mutate) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(key.keyset().dumps())
    mutate(document)
    with pytest.raises(KeySetError):
        parse_keyset(document)
    with pytest.raises(KeySetError):
        loads_keyset(b"\xff not json")


# --------------------------------------------------------------------------- signers


def test_development_signer_creates_key_and_published_set(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url="sqlite://")
    signer = build_claim_signer(settings)
    assert isinstance(signer, DevelopmentClaimSigner)
    text = signer.sign(FIELDS)
    key_file = settings.home / "qr-keys" / "dev-2026-1.key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    published = settings.home / "published" / "qr-keys.json"
    keyset = loads_keyset(published.read_text())
    assert [(k.kid, k.not_before, k.not_after, k.status) for k in keyset.keys] == [
        ("dev-2026-1", date(2026, 1, 1), date(2030, 12, 31), "active")
    ]
    assert "PRIVATE" not in published.read_text()
    assert verify_claim(text, TOKEN, keyset).ok
    # Another process (a new signer) reuses the same key; a date outside makes a new one
    # and retires the old key, which still verifies what it signed.
    again = build_claim_signer(settings)
    assert decode_claim(again.sign(FIELDS), TOKEN).kid == "dev-2026-1"
    later = again.sign(replace(FIELDS, issue_date=date(2031, 2, 1)))
    keyset = loads_keyset(published.read_text())
    assert [(k.kid, k.status) for k in keyset.keys] == [("dev-2026-1", "retired"), ("dev-2031-1", "active")]
    assert verify_claim(later, TOKEN, keyset).ok and verify_claim(text, TOKEN, keyset).ok
    # The first signer notices the new key on disk instead of generating a third one.
    assert decode_claim(signer.sign(replace(FIELDS, issue_date=date(2032, 1, 1))), TOKEN).kid == "dev-2031-1"


def test_configured_signer(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from issuer import PKIError

    k = Key("dazu-2026-1")
    key_file = tmp_path / "qr.key.pem"
    key_file.write_bytes(
        k.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    keyset_file = tmp_path / "qr-keys.json"
    keyset_file.write_text(k.keyset().dumps())
    env = {
        "ECERT_HOME": str(tmp_path / "home"),
        "ECERT_QR_KEY_FILE": str(key_file),
        "ECERT_QR_KEY_ID": "dazu-2026-1",
        "ECERT_QR_KEYSET_FILE": str(keyset_file),
    }
    settings = Settings.from_env(env)
    assert settings.qr_keyset_path == keyset_file
    signer = build_claim_signer(settings)
    assert isinstance(signer, ConfiguredClaimSigner)
    assert verify_claim(signer.sign(FIELDS), TOKEN, k.keyset()).ok
    with pytest.raises(PKIError, match="may sign"):
        signer.sign(replace(FIELDS, issue_date=date(2031, 1, 1)))
    other = Key("dazu-2026-1")
    keyset_file.write_text(other.keyset().dumps())
    with pytest.raises(PKIError, match="does not match"):
        build_claim_signer(settings)


def test_settings_require_qr_keys_in_production(tmp_path: Path) -> None:
    from ecert import ConfigurationError

    with pytest.raises(ConfigurationError, match="ECERT_QR_KEYSET_FILE"):
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_ENV": "production"})
    with pytest.raises(ConfigurationError, match="together"):
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_QR_KEY_FILE": "/x.pem"})
    assert Settings.from_env({"ECERT_HOME": str(tmp_path)}).qr_keyset_path == tmp_path / "published" / "qr-keys.json"


def test_development_key_creation_is_race_safe(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    home = tmp_path / "home"
    signers = [DevelopmentClaimSigner(home / "qr-keys", home / "published" / "qr-keys.json", "办") for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda s: s.sign(FIELDS), signers))
    assert {decode_claim(c, TOKEN).kid for c in claims} == {"dev-2026-1"}
    assert sorted(p.name for p in (home / "qr-keys").glob("*.pem")) == ["dev-2026-1.key.pem"]
    keyset = loads_keyset((home / "published" / "qr-keys.json").read_text())
    assert all(verify_claim(c, TOKEN, keyset).ok for c in claims)
