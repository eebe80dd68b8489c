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
from ecert.vocab.masking import mask_name
from issuer.qr.claims import ConfiguredClaimSigner, DevelopmentClaimSigner, build_claim_signer
from issuer.rendering.qr import MAX_VERSION, qr_modules, qr_segments
from verifier.lookup import PublicCertificate
from verifier.qr.check import claim_status
from verifier.status import PublicStatus
from verifier.words.claim import claim_line, signature_message

TOKEN = "K7Q2M4X3TB3ZHRW5NPD6FJ2C"  # 24 base32 characters, as issuer.registry makes them


def _number(seq: int = 123) -> str:
    from ecert.vocab.numbering import format_number, next_usable_seq

    return format_number("500111", 2026, next_usable_seq("500111", 2026, seq))


FIELDS = ClaimFields(
    number=_number(),
    masked_name="张*",
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
        masked_name=fields.masked_name,
        qualification=fields.qualification,
        level="中级",
        series="卫生",
        specialty="临床医学",
        grant_date=fields.grant_date,
        approving_body="评委会",
        doc_no="人社职改〔2025〕12号",
        issuing_office_code="500111",
        issued_at=datetime(2026, 11, 26, 2, 30),
    )
    return replace(certificate, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    "fields",
    [
        FIELDS,
        replace(FIELDS, masked_name=mask_name(WORST_NAME), qualification=WORST_QUALIFICATION, version=255),
        replace(
            FIELDS, masked_name=mask_name("John Smith"), number="渝职改〔1998〕第0123号"
        ),  # UTF-8 wins; converted paper number
        replace(
            FIELDS,
            masked_name=mask_name("阿卜杜热合曼·买买提"),
            grant_date=date(1950, 1, 1),
            issue_date=date(2129, 6, 1),
        ),
    ],
)
def test_round_trip(key: Key, fields: ClaimFields) -> None:
    text = key.claim(fields)
    assert text.isupper() and set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    claim = decode_claim(text, fields.token)
    assert (claim.number, claim.masked_name, claim.qualification, claim.grant_date, claim.version) == (
        fields.number,
        fields.masked_name,
        fields.qualification,
        fields.grant_date,
        fields.version,
    )
    assert (claim.token, claim.kid, claim.issue_date) == (fields.token, key.kid, fields.issue_date)
    result = verify_claim(text, fields.token, key.keyset())
    expected = "ok" if key.published.may_sign_on(fields.issue_date) else "key_not_valid_on_date"
    assert result.reason == expected and result.key == key.published


def test_compact_encoding_sizes(key: Key) -> None:
    # Typical: 5 + 11 kid + 8 number + 4 masked name + 9 qualification + 64 signature = 102 bytes.
    text = key.claim()
    assert len(base64.b32decode(text + "=" * (-len(text) % 8))) == 102
    # The mask costs at most 10 bytes, however long the name: its two visible characters.
    for name in (WORST_NAME, "𠇔" + "张" * 28 + "𠀂"):
        worst = replace(FIELDS, masked_name=mask_name(name), qualification=WORST_QUALIFICATION)
        assert len(key.claim(worst)) == 186  # 116 bytes


def test_encoding_refuses_what_does_not_fit() -> None:
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, version=256), "k1")
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, masked_name="张" + "*" * 256 + "三"), "k1")
    with pytest.raises(ClaimFormatError):
        encode_payload(FIELDS, "bad kid")
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, grant_date=date(1949, 12, 31)), "k1")


def _qr_version(url: str) -> int:
    return (len(qr_modules(url)) - 17) // 4


def test_worst_case_url_stays_at_version_10_level_m(key: Key) -> None:
    for kid in ("dev-2026-1", "dazu-2026-01-qr"):
        k = Key(kid)
        worst = replace(FIELDS, masked_name=mask_name(WORST_NAME), qualification=WORST_QUALIFICATION)
        url = claim_url(f"{WORST_BASE}/v/{TOKEN}", k.claim(worst))
        assert len(url) >= 241
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
    raw = bytearray(base64.b32decode((text := key.claim()) + "=" * (-len(text) % 8)))
    raw[20] ^= 0x01  # inside the number
    tampered = base64.b32encode(bytes(raw)).decode().rstrip("=")
    result = verify_claim(tampered, TOKEN, key.keyset())
    assert (result.ok, result.reason) == (False, "bad_signature")
    assert "篡改" in signature_message(result)


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
    assert result.params == {"day": date(2026, 11, 26), "start": date(2020, 1, 1), "end": date(2024, 12, 31)}
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
    status = claim_status(text, _certificate(), token=TOKEN, keyset=key.keyset())
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
        status = claim_status(text, _certificate(), token=TOKEN, keyset=key.keyset())
        assert status.state == "invalid"


def test_weird_tokens_never_raise(key: Key) -> None:
    for token in ("", "../../etc", "é" * 24, "A" * 500, "K7Q2M4X3TB3ZHRW5NPD6FJ2C\x00"):
        assert claim_status(key.claim(), None, token=token, keyset=key.keyset()).state == "invalid"


# --------------------------------------------------------------------------- claim_status


def test_claim_status_valid(key: Key) -> None:
    status = claim_status(key.claim(), _certificate(), token=TOKEN, keyset=key.keyset())
    assert (status.state, status.reason) == ("valid", "ok")
    assert status.claim is not None and status.claim.masked_name == "张*"


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
    status = claim_status(key.claim(), _certificate(**changes), token=TOKEN, keyset=key.keyset())
    assert (status.state, status.mismatched) == ("mismatch", (field,))
    assert "不一致" in claim_line(status)


def test_claim_status_name_mismatch(key: Key) -> None:
    text = key.claim(replace(FIELDS, masked_name=mask_name("张小三")))
    status = claim_status(text, _certificate(masked_name="李*三"), token=TOKEN, keyset=key.keyset())
    assert (status.state, status.mismatched) == ("mismatch", ("name",))


@pytest.mark.parametrize("full_name", ["张小三", "John Smith", "阿卜杜热合曼·买买提", "𠇔𡒄𪚥𠀀𠀁𠀂", "张三"])
def test_a_claim_never_carries_the_full_name(key: Key, full_name: str) -> None:
    # Anyone holding the URL can decode the claim: it must not hold more than the page shows.
    with pytest.raises(ClaimFormatError):
        encode_payload(replace(FIELDS, masked_name=full_name), "k1")
    text = key.claim(replace(FIELDS, masked_name=mask_name(full_name)))
    raw = base64.b32decode(text + "=" * (-len(text) % 8))
    for encoding in ("utf-8", "utf-16-be"):
        inner = full_name[1:-1] if len(full_name) > 2 else full_name[1:]
        assert inner.encode(encoding) not in raw
    assert decode_claim(text, TOKEN).masked_name == mask_name(full_name)


def test_format_1_claims_still_verify_and_keep_only_the_mask(key: Key) -> None:
    # Printed QR codes last for decades: the first format carried the full name.
    payload = bytearray(encode_payload(FIELDS, key.kid))
    assert payload[0] == 2
    payload[0] = 1
    mask = bytes([1, 0x80 | 2]) + "张".encode("utf-16-be")  # one hidden, then "张" as UTF-16
    at = payload.index(mask)
    payload[at : at + len(mask)] = bytes([0x80 | 4]) + "张三".encode("utf-16-be")  # the full name as text
    v1 = encode_claim(bytes(payload), key.private.sign(signed_message(bytes(payload), TOKEN)))
    result = verify_claim(v1, TOKEN, key.keyset())
    assert result.ok and result.claim is not None and result.claim.masked_name == "张*"
    assert "张三" not in repr(result.claim)
    assert claim_status(v1, _certificate(), token=TOKEN, keyset=key.keyset()).state == "valid"


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
        status = claim_status(text, _certificate(), token=TOKEN, keyset=keyset)
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


def _configured_key_env(tmp_path: Path, key: Key, keyset: KeySet) -> dict[str, str]:
    """A production-style QR key: the private key and the published key set as files."""
    from cryptography.hazmat.primitives import serialization

    key_file = tmp_path / "qr.key.pem"
    key_file.write_bytes(
        key.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    keyset_file = tmp_path / "qr-keys.json"
    keyset_file.write_text(keyset.dumps())
    return {
        "ECERT_HOME": str(tmp_path / "home"),
        "ECERT_QR_KEY_FILE": str(key_file),
        "ECERT_QR_KEY_ID": key.kid,
        "ECERT_QR_KEYSET_FILE": str(keyset_file),
    }


def test_configured_signer(tmp_path: Path) -> None:
    from issuer import PKIError

    k = Key("dazu-2026-1")
    env = _configured_key_env(tmp_path, k, k.keyset())
    keyset_file = tmp_path / "qr-keys.json"
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


# --------------------------------------------------------------------------- official sites


def test_normalize_base_url() -> None:
    from ecert.qr_claim import normalize_base_url

    for given in (
        "https://ecert.dazu.gov.cn",
        "HTTPS://Ecert.DAZU.gov.cn/",
        "https://ecert.dazu.gov.cn:443//",
        " https://ecert.dazu.gov.cn. ",
    ):
        assert normalize_base_url(given) == WORST_BASE, given
    assert normalize_base_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert normalize_base_url("http://host:80/ecert/") == "http://host/ecert"
    assert normalize_base_url("https://[::1]:8443") == "https://[::1]:8443"
    for bad in (
        "",
        "ecert.dazu.gov.cn",
        "ftp://ecert.dazu.gov.cn",
        "https://",
        "https://a@ecert.dazu.gov.cn",
        "https://ecert.dazu.gov.cn/?x=1",
        "https://ecert.dazu.gov.cn/#x",
        "https://ecert.dazu.gov.cn:99999",
        "https://ecert.dazu.gov.cn\\@evil.example",
        "https://ecert dazu.gov.cn",
        "javascript:alert(1)",
    ):
        with pytest.raises(KeySetError):
            normalize_base_url(bad)


@pytest.mark.parametrize(
    "url",
    [
        f"{WORST_BASE}/v/{TOKEN}?c=X",
        f"https://ECERT.Dazu.GOV.cn/v/{TOKEN}?c=X",  # the host is case-insensitive
        f"HTTPS://ecert.dazu.gov.cn:443/v/{TOKEN}/?c=X#top",  # default port, trailing slash
        f"https://ecert.dazu.gov.cn./v/{TOKEN}?c=X",  # the DNS root label
    ],
)
def test_official_base_for_accepts_the_official_site(url: str) -> None:
    from ecert.qr_claim import official_base_for

    assert official_base_for(url, (WORST_BASE,)) == WORST_BASE
    assert official_base_for(url, ("http://127.0.0.1:8000", WORST_BASE)) == WORST_BASE


@pytest.mark.parametrize(
    "url",
    [
        f"https://evil.example/v/{TOKEN}?c=X",
        f"http://ecert.dazu.gov.cn/v/{TOKEN}?c=X",  # http is not the https site
        f"https://ecert.dazu.gov.cn:8443/v/{TOKEN}?c=X",
        f"https://ecert.dazu.gov.cn.evil.example/v/{TOKEN}?c=X",
        f"https://evil.ecert.dazu.gov.cn/v/{TOKEN}?c=X",
        f"https://ecert.dazu.gov.cn@evil.example/v/{TOKEN}?c=X",
        f"https://evil.example\\@ecert.dazu.gov.cn/v/{TOKEN}?c=X",  # browsers read \\ as /
        f"https://evil.example%2F@ecert.dazu.gov.cn/v/{TOKEN}?c=X",
        f"https://ecert.dazu.gov.cn/redirect/https://evil.example/v/{TOKEN}?c=X",  # other path
        f"https://ecert.dazu.gov.cn/v/x/v/{TOKEN}?c=X",
        "https://ecert.dazu.gov.cn/v/?c=X",
        f"https://ecert.dazu.gov.cn/v/{TOKEN}/extra?c=X",
        f" https://ecert.dazu.gov.cn\t/v/{TOKEN}?c=X",
        f"https://ecert.dazu.gov.cn\u202e/v/{TOKEN}?c=X",
        f"ecert.dazu.gov.cn/v/{TOKEN}?c=X",
        f"//ecert.dazu.gov.cn/v/{TOKEN}?c=X",
        f"/v/{TOKEN}?c=X",
        "",
    ],
)
def test_official_base_for_refuses_other_sites(url: str) -> None:
    from ecert.qr_claim import official_base_for

    assert official_base_for(url, (WORST_BASE,)) is None
    assert official_base_for(url, ()) is None


def test_official_base_for_with_a_path_prefix() -> None:
    from ecert.qr_claim import official_base_for

    bases = ("https://gov.example/ecert",)
    assert official_base_for(f"https://gov.example/ecert/v/{TOKEN}?c=X", bases) == bases[0]
    assert official_base_for(f"https://gov.example/v/{TOKEN}?c=X", bases) is None
    assert official_base_for(f"https://gov.example/ecert2/v/{TOKEN}?c=X", bases) is None


def test_keyset_with_base_urls_round_trip(key: Key) -> None:
    keyset = key.keyset().with_base_urls(["HTTPS://Ecert.Dazu.gov.cn/", WORST_BASE, "http://127.0.0.1:8000"])
    assert keyset.verify_base_urls == (WORST_BASE, "http://127.0.0.1:8000")
    document = json.loads(keyset.dumps())
    assert list(document) == ["issuer", "verify_base_urls", "keys"]
    assert document["verify_base_urls"] == [WORST_BASE, "http://127.0.0.1:8000"]
    assert loads_keyset(keyset.dumps()) == keyset
    # An older key set (no field) still loads: the site is unknown.
    assert loads_keyset(key.keyset().dumps()).verify_base_urls == ()


@pytest.mark.parametrize("bases", ["https://ecert.dazu.gov.cn", [1], ["ecert.dazu.gov.cn"], ["ftp://x"], [None]])
def test_bad_verify_base_urls_are_refused(key: Key, bases: object) -> None:
    document = json.loads(key.keyset().dumps())
    document["verify_base_urls"] = bases
    with pytest.raises(KeySetError):
        parse_keyset(document)


def test_development_signer_publishes_the_public_url(tmp_path: Path) -> None:
    home = tmp_path / "home"
    published = home / "published" / "qr-keys.json"
    first = build_claim_signer(Settings(home=home, database_url="sqlite://", public_url="https://Ecert.Dazu.gov.cn/"))
    text = first.sign(FIELDS)
    assert loads_keyset(published.read_text()).verify_base_urls == (WORST_BASE,)
    # A new public URL is added; the old one stays (codes printed with it are in circulation).
    moved = build_claim_signer(Settings(home=home, database_url="sqlite://", public_url="https://ecert.cq.gov.cn"))
    assert decode_claim(moved.sign(FIELDS), TOKEN).kid == "dev-2026-1"
    keyset = loads_keyset(published.read_text())
    assert keyset.verify_base_urls == (WORST_BASE, "https://ecert.cq.gov.cn")
    assert [k.kid for k in keyset.keys] == ["dev-2026-1"] and verify_claim(text, TOKEN, keyset).ok
    assert isinstance(moved, DevelopmentClaimSigner) and moved.keyset() == keyset


def test_development_keys_made_before_base_urls_get_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    published = home / "published" / "qr-keys.json"
    old = DevelopmentClaimSigner(home / "qr-keys", published, "办")  # as before: no base URLs
    old.sign(FIELDS)
    assert "verify_base_urls" not in json.loads(published.read_text())
    build_claim_signer(Settings(home=home, database_url="sqlite://")).sign(FIELDS)
    assert loads_keyset(published.read_text()).verify_base_urls == ("http://127.0.0.1:8000",)
    assert sorted(p.name for p in (home / "qr-keys").glob("*.pem")) == ["dev-2026-1.key.pem"]


def test_configured_signer_refuses_a_public_url_its_key_set_does_not_list(tmp_path: Path) -> None:
    from issuer import PKIError

    k = Key("dazu-2026-1")
    env = _configured_key_env(tmp_path, k, k.keyset().with_base_urls([WORST_BASE]))
    with pytest.raises(PKIError, match="not the public URL"):
        build_claim_signer(Settings.from_env({**env, "ECERT_PUBLIC_URL": "https://evil.example"}))
    assert isinstance(
        build_claim_signer(Settings.from_env({**env, "ECERT_PUBLIC_URL": "https://ECERT.dazu.gov.cn/"})),
        ConfiguredClaimSigner,
    )


# --------------------------------------------------------------------------- verify-qr report


def _report(text: str, keyset: KeySet, capsys: pytest.CaptureFixture[str], **kwargs: bool) -> tuple[int, str]:
    from verifier.cli.qr import report

    status = report(text, keyset, "keys.json", **kwargs)
    return status, capsys.readouterr().out


def test_report_refuses_a_real_claim_on_a_foreign_host(key: Key, capsys: pytest.CaptureFixture[str]) -> None:
    keyset = key.keyset().with_base_urls([WORST_BASE])
    claim = key.claim()
    for foreign in ("https://evil.example", "http://ecert.dazu.gov.cn", "https://ecert.dazu.gov.cn:8443"):
        status, out = _report(f"{foreign}/v/{TOKEN}?c={claim}", keyset, capsys)
        assert status == 1, out
        assert f"二维码指向的网址 {foreign} 不是发证机关的官方网址 {WORST_BASE}：请勿相信" in out
        verdict = out.rstrip().splitlines()[-2]
        assert verdict.startswith("结论：") and verdict.endswith("无效")
        assert "有效" not in out  # not even "signature valid": the signature only holds
        assert f"{WORST_BASE}/v/{TOKEN}" in out  # where the real page is
        assert "[未经验证]" in out
        assert out.rstrip().endswith("注意：请勿打开二维码中的网址，也不要在其中输入任何信息。")
    # --any-host never overrides a published site.
    assert _report(f"https://evil.example/v/{TOKEN}?c={claim}", keyset, capsys, any_host=True)[0] == 1


@pytest.mark.parametrize(
    "url",
    [
        f"{WORST_BASE}/v/{TOKEN}?c=",
        f"https://ECERT.dazu.Gov.CN/v/{TOKEN}/?c=",
        f"https://ecert.dazu.gov.cn:443/v/{TOKEN}?c=",
    ],
)
def test_report_accepts_the_official_site(key: Key, capsys: pytest.CaptureFixture[str], url: str) -> None:
    keyset = key.keyset().with_base_urls([WORST_BASE + "/"])
    status, out = _report(url + key.claim(), keyset, capsys)
    assert status == 0, out
    assert f"官方网址 — {WORST_BASE}" in out and "未经验证" not in out
    # No registry given (offline): the signature holds, the status is not claimed.
    conclusion = next(line for line in out.splitlines() if line.startswith("结论："))
    assert conclusion.endswith("签名成立；证书现状未核验（离线）") and "无效" not in out
    official = next(line for line in out.splitlines() if line.startswith("官方验证页："))
    assert official.endswith(f" {WORST_BASE}/v/{TOKEN}")
    assert f"请访问 {WORST_BASE}/v/{TOKEN}" in out


def test_report_with_a_key_set_that_publishes_no_site(key: Key, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"https://evil.example/v/{TOKEN}?c={key.claim()}"
    status, out = _report(url, key.keyset(), capsys)
    assert status == 1 and "无法核验 —" in out and "--any-host" in out and "https://evil.example" in out
    status, out = _report(url, key.keyset(), capsys, any_host=True)
    assert status == 0 and "未核验（--any-host）" in out and "官方验证页" not in out


def test_report_hostless_text_checks_only_the_signature(key: Key, capsys: pytest.CaptureFixture[str]) -> None:
    keyset = key.keyset().with_base_urls([WORST_BASE])
    status, out = _report(f"/v/{TOKEN}?c={key.claim()}", keyset, capsys)
    assert status == 0 and "文本中没有网址主机" in out and f"{WORST_BASE}/v/{TOKEN}" in out
    # Without a scheme but with a host-like start, a browser may still open it: not hostless.
    status, out = _report(f"evil.example/v/{TOKEN}?c={key.claim()}", keyset, capsys)
    assert status == 1 and "二维码指向的网址 evil.example 不是" in out


def test_report_escapes_terminal_controls(key: Key, capsys: pytest.CaptureFixture[str]) -> None:
    keyset = key.keyset().with_base_urls([WORST_BASE])
    status, out = _report(f"https://evil.example\x1b[2K\u202e/v/{TOKEN}?c={key.claim()}", keyset, capsys)
    assert status == 1 and "\x1b" not in out and "\u202e" not in out and "\\x1b[2K" in out
