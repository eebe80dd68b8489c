import pytest

from ecert.vocab.problem import Problem
from ecert.vocab.titles import (
    GRANT_ROUTES,
    LEVELS,
    SERIES_QUALIFICATIONS,
    check_doc_no,
    check_grant_route,
    check_qualification,
    normalise_doc_no,
    normalise_grant_route,
    qualifications_for,
)

LEVELS_PARAM = ("正高级", "副高级", "中级", "助理级", "员级")


def test_levels_highest_first() -> None:
    assert LEVELS == ("正高级", "副高级", "中级", "助理级", "员级")


def test_every_listed_qualification_matches_its_own_level() -> None:
    for series, by_level in SERIES_QUALIFICATIONS.items():
        assert set(by_level) <= set(LEVELS)
        for level, qualification in by_level.items():
            assert check_qualification(series, level, qualification) is None


def test_economics_and_accounting_have_no_clerk_level() -> None:
    assert "员级" not in SERIES_QUALIFICATIONS["经济"]
    assert "员级" not in SERIES_QUALIFICATIONS["会计"]
    assert check_qualification("会计", "员级", "会计员") == Problem(
        "qualification.no_such_level",
        {"series": "会计", "level": "员级", "levels": ("正高级", "副高级", "中级", "助理级")},
    )


def test_mismatch_names_the_expected_qualification() -> None:
    assert check_qualification("工程", "中级", "高级工程师") == Problem(
        "qualification.mismatch",
        {"qualification": "高级工程师", "level": "中级", "series": "工程", "expected": ("工程师",)},
    )
    assert check_qualification("中小学教师", "中级", "高级教师") == Problem(
        "qualification.mismatch",
        {"qualification": "高级教师", "level": "中级", "series": "中小学教师", "expected": ("一级教师",)},
    )


def test_parallel_names_in_health_series() -> None:
    assert check_qualification("卫生", "中级", "主管护师") is None
    assert check_qualification("卫生", "副高级", "副主任药师") is None
    assert check_qualification("卫生", "中级", "副主任医师") == Problem(
        "qualification.mismatch",
        {
            "qualification": "副主任医师",
            "level": "中级",
            "series": "卫生",
            "expected": ("主治医师", "主管护师", "主管药师", "主管技师"),
        },
    )
    assert qualifications_for("农业", "中级") == ("农艺师", "畜牧师", "兽医师")


def test_unknown_series_is_allowed_and_series_suffix_is_ignored() -> None:
    assert check_qualification("新闻", "中级", "主任记者") is None
    assert check_qualification("工程系列", "副高级", "高级工程师") is None


def test_unknown_level() -> None:
    assert check_qualification("工程", "高级", "高级工程师") == Problem(
        "level.unknown", {"level": "高级", "levels": LEVELS_PARAM}
    )


def test_grant_routes() -> None:
    assert set(GRANT_ROUTES) == {"evaluation", "determination", "recognition"}
    assert normalise_grant_route("evaluation") == "evaluation"
    assert normalise_grant_route(" Recognition ") == "recognition"
    assert normalise_grant_route("评审") == "evaluation"
    assert normalise_grant_route("考核确定") == "determination"
    assert normalise_grant_route("确认") == "recognition"
    assert normalise_grant_route("来渝确认") == "recognition"
    assert normalise_grant_route("职称初定") == "determination"
    assert normalise_grant_route("推荐") is None
    assert check_grant_route("评审") is None
    assert check_grant_route("推荐") == Problem(
        "grant_route.unknown",
        {"value": "推荐", "choices": ("evaluation (评审)", "determination (考核确定)", "recognition (确认)")},
    )


@pytest.mark.parametrize(
    "typed",
    [
        "渝人社发〔2021〕25号",
        "渝人社发[2021]25号",
        "渝人社发(2021)25号",
        "渝人社发（2021）25号",
        "渝人社发【2021】25号",
        "渝人社发［2021］25号",
        "渝人社发 〔 2021 〕 25 号",
        "渝人社发（２０２１）２５号",
        " 渝人社发\u3000[2021]25号 ",
        # Word's small brackets, other CJK brackets, braces, and pairs that do not match.
        "渝人社发﹝2021﹞25号",
        "渝人社发﹙2021﹚25号",
        "渝人社发〘2021〙25号",
        "渝人社发〖2021〗25号",
        "渝人社发｛2021｝25号",
        "渝人社发[2021)25号",
        "渝人社发【2021〕25号",
    ],
)
def test_doc_no_brackets_are_normalised(typed: str) -> None:
    assert normalise_doc_no(typed) == "渝人社发〔2021〕25号"
    assert check_doc_no(typed) is None


def test_doc_no_with_letters_and_rare_characters() -> None:
    assert check_doc_no("人社部发〔2024〕56号") is None
    assert check_doc_no("渝ABC发〔2024〕5号") is None
    assert check_doc_no("\U00021484人〔2024〕5号") is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("渝人社发2021-25", Problem("doc_no.format", {"doc_no": "渝人社发2021-25", "example": "渝人社发〔2021〕25号"})),
        (
            "渝人社发〔2021〕25",
            Problem("doc_no.format", {"doc_no": "渝人社发〔2021〕25", "example": "渝人社发〔2021〕25号"}),
        ),
        ("〔2021〕25号", Problem("doc_no.format", {"doc_no": "〔2021〕25号", "example": "渝人社发〔2021〕25号"})),
        ("ABC〔2021〕25号", Problem("doc_no.format", {"doc_no": "ABC〔2021〕25号", "example": "渝人社发〔2021〕25号"})),
        (
            "渝人社发〔21〕25号",
            Problem("doc_no.format", {"doc_no": "渝人社发〔21〕25号", "example": "渝人社发〔2021〕25号"}),
        ),
        (
            "渝人社发[2021]第25号",
            Problem("doc_no.format", {"doc_no": "渝人社发〔2021〕第25号", "example": "渝人社发〔2021〕25号"}),
        ),
        ("  ", Problem("doc_no.empty")),
    ],
)
def test_bad_doc_no(typed: str, message: Problem) -> None:
    assert check_doc_no(typed) == message
