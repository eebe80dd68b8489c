import pytest

from ecert import NumberFormatError
from ecert.vocab.numbering import (
    ALPHABET,
    MAX_SEQ,
    CertificateNumber,
    check_character,
    format_number,
    next_usable_seq,
    parse_number,
    seq_is_usable,
)

CHECK_MISMATCH = (
    "证书编号校验位不符，请检查是否输错或颠倒了字符 "
    "(check character does not match: a character is mistyped or two are swapped)"
)
BAD_FORMAT = (
    "证书编号格式应为 ZC500111-2026-000123-Y (expected ZC500111-2026-000123-Y: ZC, 6-digit "
    "office code, 4-digit year, 6-digit sequence number, check character)"
)


def _usable(office_code: str, year: int, seq: int) -> CertificateNumber:
    return CertificateNumber(office_code, year, next_usable_seq(office_code, year, seq))


NUMBERS = [
    _usable(office, year, seq)
    for office in ("500111", "500225", "500000", "110105")
    for year in (2021, 2026, 2099)
    for seq in (1, 10, 123, 9_990, 101_010, 543_210, 999_000)
]


def test_iso_7064_mod_37_2_reference_value() -> None:
    # The example of ISO/IEC 7064 (also python-stdnum's doctest).
    assert check_character("G123498654321") == "H"


def test_format() -> None:
    assert format_number("500111", 2026, 123) == "ZC500111-2026-000123-Y"
    number = CertificateNumber("500111", 2026, 123)
    assert number.text == str(number) == "ZC500111-2026-000123-Y"
    assert number.compact == "ZC5001112026000123Y"


def test_example_in_messages_is_itself_valid() -> None:
    assert parse_number("ZC500111-2026-000123-Y") == CertificateNumber("500111", 2026, 123)


def test_round_trip() -> None:
    for number in NUMBERS:
        assert parse_number(number.text) == number
        assert parse_number(number.compact) == number
        assert format_number(number.office_code, number.year, number.seq) == number.text


def test_every_single_substitution_is_detected() -> None:
    for number in NUMBERS:
        compact = number.compact
        for position, original in enumerate(compact):
            for replacement in ALPHABET:
                if replacement == original:
                    continue
                typo = compact[:position] + replacement + compact[position + 1 :]
                with pytest.raises(NumberFormatError):
                    parse_number(typo)
                # Also the check function alone, where the format would not catch it.
                if typo[:2] == "ZC" and typo[2:18].isdigit():
                    assert check_character(typo[:-1]) != typo[-1]


def test_every_adjacent_transposition_is_detected() -> None:
    for number in NUMBERS:
        compact = number.compact
        for position in range(len(compact) - 1):
            first, second = compact[position], compact[position + 1]
            if first == second:
                continue
            swapped = compact[:position] + second + first + compact[position + 2 :]
            with pytest.raises(NumberFormatError):
                parse_number(swapped)
            assert check_character(swapped[:-1]) != swapped[-1] or not swapped.startswith("ZC")


def test_swap_inside_dazu_office_code_is_detected() -> None:
    # MOD 37,36 (hybrid) gives ZC500111... and ZC501011... the same check character.
    number = CertificateNumber("500111", 2026, 123)
    with pytest.raises(NumberFormatError, match="校验位不符"):
        parse_number("ZC501011-2026-000123-Y")
    assert check_character("ZC5010112026000123") != number.check


def test_unusable_sequence_numbers_are_skipped() -> None:
    unusable = [seq for seq in range(1, 2000) if not seq_is_usable("500111", 2026, seq)]
    assert 40 < len(unusable) < 70  # about 1 in 37
    for seq in unusable:
        assert check_character(f"ZC5001112026{seq:06d}") == "*"
        with pytest.raises(ValueError, match="next_usable_seq"):
            CertificateNumber("500111", 2026, seq)
        assert next_usable_seq("500111", 2026, seq) > seq
        assert seq_is_usable("500111", 2026, next_usable_seq("500111", 2026, seq))
    assert next_usable_seq("500111", 2026, 123) == 123


@pytest.mark.parametrize(
    "typed",
    [
        "ZC500111-2026-000123-Y",
        "zc500111-2026-000123-y",
        "  ZC500111 - 2026 - 000123 - Y  ",
        "ZC5001112026000123Y",
        "ZC 500111 2026 000123 Y",
        "ZC500111－2026－000123－Y",
        "ZC500111—2026—000123—Y",
        "ZC500111–2026–000123–Y",
        "ＺＣ５００１１１－２０２６－０００１２３－Ｙ",
        "ｚｃ500111-2026-000123-ｙ",
        "ZC500111-2026-123-Y",
        "ZC500111\u30002026\u3000000123\u3000Y",
    ],
)
def test_forgiving_parsing(typed: str) -> None:
    assert parse_number(typed) == CertificateNumber("500111", 2026, 123)


@pytest.mark.parametrize(
    "typed",
    [
        "ZC500111-2026-000123",
        "ZC50011-2026-000123-Y",
        "500111-2026-000123-Y",
        "ZC500111-2026-0000123-Y",
        "ZC500111-26-000123-Y",
        "ZC500111-2026-000000-Y",
        "ZC500111-2026-000123-YY",
        "ZC500111-2026-000123-*",
        "hello",
    ],
)
def test_malformed_numbers(typed: str) -> None:
    with pytest.raises(NumberFormatError) as caught:
        parse_number(typed)
    assert str(caught.value) == BAD_FORMAT


def test_wrong_check_character() -> None:
    with pytest.raises(NumberFormatError) as caught:
        parse_number("ZC500111-2026-000123-K")
    assert str(caught.value) == CHECK_MISMATCH


def test_empty_and_id_numbers_get_their_own_messages() -> None:
    with pytest.raises(NumberFormatError) as caught:
        parse_number("  ")
    assert str(caught.value) == "证书编号为空 (the certificate number is empty)"
    for id_number in ("500111198803151232", "50011119650805721x", "500111650805721"):
        with pytest.raises(NumberFormatError) as caught:
            parse_number(id_number)
        assert str(caught.value) == (
            "这像是身份证号码，不是证书编号；证书编号形如 ZC500111-2026-000123-Y "
            "(this looks like an ID number, not a certificate number such as ZC500111-2026-000123-Y)"
        )


def test_certificate_number_refuses_bad_parts() -> None:
    for office, year, seq in [("50011", 2026, 1), ("50011a", 2026, 1), ("500111", 999, 1), ("500111", 2026, 0)]:
        with pytest.raises(ValueError):
            CertificateNumber(office, year, seq)
    with pytest.raises(ValueError):
        CertificateNumber("500111", 2026, MAX_SEQ + 1)
    last = next_usable_seq("500111", 2026, MAX_SEQ - 40)
    assert parse_number(format_number("500111", 2026, last)).seq == last


def test_check_character_refuses_other_characters() -> None:
    for payload in ("", "zc500111", "ZC-500111", "ZC*"):
        with pytest.raises(ValueError):
            check_character(payload)
