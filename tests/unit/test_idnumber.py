from datetime import date

import pytest

from ecert.vocab.idnumber import (
    birth_date,
    check_id_number,
    gender_of,
    id_check_character,
    normalise_id_number,
    upgrade_15_to_18,
)
from ecert.vocab.problem import Problem

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # Published examples of GB 11643-1999 and well-known test numbers.
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("50011119880315123", "2"),
        ("50011119650805721", "X"),
    ],
)
def test_check_character(first17: str, check: str) -> None:
    assert id_check_character(first17) == check


def test_check_character_needs_17_digits() -> None:
    with pytest.raises(ValueError):
        id_check_character("5001111988031512")
    with pytest.raises(ValueError):
        id_check_character("5001111988031512X")


@pytest.mark.parametrize("number", ["11010519491231002X", "500111198803151232", "50011119650805721X"])
def test_valid_numbers(number: str) -> None:
    assert check_id_number(number, TODAY) is None


def test_normalise_accepts_lowercase_x_spaces_and_full_width_digits() -> None:
    assert normalise_id_number(" 500111 19650805 721x ") == "50011119650805721X"
    assert normalise_id_number("５００１１１１９６５０８０５７２１ｘ") == "50011119650805721X"
    assert normalise_id_number("\u3000500111196508057 21Ｘ") == "50011119650805721X"
    assert check_id_number("50011119650805721x", TODAY) is None


def test_wrong_length() -> None:
    assert check_id_number("50011119880315123", TODAY) == Problem("id_number.length", {"length": 17})
    assert check_id_number("", TODAY) == Problem("id_number.length", {"length": 0})


def test_wrong_characters() -> None:
    assert check_id_number("5001111988031512A2", TODAY) == Problem("id_number.characters")
    assert check_id_number("X00111198803151232", TODAY) == Problem("id_number.characters")


def test_wrong_check_character_does_not_tell_the_right_one() -> None:
    # Suggesting the "right" check character would make a typo look like a valid number.
    assert check_id_number("500111198803151235", TODAY) == Problem("id_number.checksum")
    assert check_id_number("500111196508057215", TODAY) == Problem("id_number.checksum")


def test_invalid_birth_date() -> None:
    first17 = "50011119991301123"
    number = first17 + id_check_character(first17)
    assert check_id_number(number, TODAY) == Problem("id_number.birth_date", {"digits": "19991301"})
    first17 = "50011117991201123"
    assert check_id_number(first17 + id_check_character(first17), TODAY) == (
        Problem("id_number.birth_date", {"digits": "17991201"})
    )


def test_birth_date_in_the_future() -> None:
    first17 = "50011120300101123"
    number = first17 + id_check_character(first17)
    assert check_id_number(number, TODAY) == Problem("id_number.birth_future", {"born": "2030-01-01"})
    assert check_id_number(number) is None  # without today there is no clock to compare with


def test_region_code() -> None:
    first17 = "00000019880315123"
    number = first17 + id_check_character(first17)
    assert check_id_number(number, TODAY) == Problem("id_number.region", {"region": "000000"})
    first17 = "91011119880315123"
    assert check_id_number(first17 + id_check_character(first17), TODAY) == (
        Problem("id_number.region", {"region": "910111"})
    )


@pytest.mark.parametrize(
    "province", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82"]
)
def test_every_province_range_is_accepted(province: str) -> None:
    first17 = province + "011119880315123"
    assert check_id_number(first17 + id_check_character(first17), TODAY) is None


def test_old_15_digit_number() -> None:
    assert upgrade_15_to_18("500111650805721") == "50011119650805721X"
    assert check_id_number("500111650805721", TODAY) == Problem("id_number.old_format", {"check": "X"})
    assert check_id_number("500111651305721", TODAY) == Problem("id_number.birth_date", {"digits": "19651305"})


def test_birth_date_and_gender() -> None:
    assert birth_date("500111198803151232") == date(1988, 3, 15)
    assert birth_date("500111880315123") == date(1988, 3, 15)
    assert gender_of("500111198803151232") == "男"
    assert gender_of("500111199207210042") == "女"
    assert gender_of("50011119650805721x") == "男"
    assert gender_of("500111650805722") == "女"
    with pytest.raises(ValueError):
        birth_date("500111199213010042")
    with pytest.raises(ValueError):
        gender_of("5001111992")
