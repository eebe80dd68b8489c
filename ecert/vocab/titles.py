"""Vocabulary of professional titles: levels, grant routes, qualification names, 文号.

Only series we know well are listed; an unknown series is allowed because the national
catalogue has 27 series and provinces add their own.  For a listed series a mismatch
between level and qualification is almost always a shifted spreadsheet column or a
copy-paste from the row above, so it is worth refusing.
"""

from __future__ import annotations

import re

from ecert.vocab.problem import Problem

LEVELS: tuple[str, ...] = ("正高级", "副高级", "中级", "助理级", "员级")

GRANT_ROUTES: dict[str, str] = {
    "evaluation": "评审",
    "determination": "考核确定",
    "recognition": "确认",
}

# Names staff use for the routes besides the canonical labels (the notice's old names).
_GRANT_ROUTE_ALIASES: dict[str, str] = {
    "职称评审": "evaluation",
    "职称申报": "evaluation",
    "职称考核确定": "determination",
    "职称初定": "determination",
    "初定": "determination",
    "来渝确认": "recognition",
    "职称确认": "recognition",
}

# The first name of each level is the one shown in "expected ..." messages.
SERIES_QUALIFICATIONS: dict[str, dict[str, str]] = {
    "工程": {
        "正高级": "正高级工程师",
        "副高级": "高级工程师",
        "中级": "工程师",
        "助理级": "助理工程师",
        "员级": "技术员",
    },
    # 医疗类; the other 卫生 categories are in _ALSO_ACCEPTED.
    "卫生": {"正高级": "主任医师", "副高级": "副主任医师", "中级": "主治医师", "助理级": "医师", "员级": "医士"},
    "中小学教师": {
        "正高级": "正高级教师",
        "副高级": "高级教师",
        "中级": "一级教师",
        "助理级": "二级教师",
        "员级": "三级教师",
    },
    "经济": {"正高级": "正高级经济师", "副高级": "高级经济师", "中级": "经济师", "助理级": "助理经济师"},
    "会计": {"正高级": "正高级会计师", "副高级": "高级会计师", "中级": "会计师", "助理级": "助理会计师"},
    "统计": {"正高级": "正高级统计师", "副高级": "高级统计师", "中级": "统计师", "助理级": "助理统计师"},
    "审计": {"正高级": "正高级审计师", "副高级": "高级审计师", "中级": "审计师", "助理级": "助理审计师"},
    "农业": {
        "正高级": "正高级农艺师",
        "副高级": "高级农艺师",
        "中级": "农艺师",
        "助理级": "助理农艺师",
        "员级": "农业技术员",
    },
    "高等学校教师": {"正高级": "教授", "副高级": "副教授", "中级": "讲师", "助理级": "助教"},
}

# Series whose levels carry several parallel names (卫生: nursing, pharmacy, technicians;
# 农业: animal husbandry, veterinary) and the pre-2019 name of 正高级 in 工程 that still
# appears on converted paper certificates.
_ALSO_ACCEPTED: dict[str, dict[str, tuple[str, ...]]] = {
    "卫生": {
        "正高级": ("主任护师", "主任药师", "主任技师"),
        "副高级": ("副主任护师", "副主任药师", "副主任技师"),
        "中级": ("主管护师", "主管药师", "主管技师"),
        "助理级": ("护师", "药师", "技师"),
        "员级": ("护士", "药士", "技士"),
    },
    "农业": {
        "正高级": ("正高级畜牧师", "正高级兽医师"),
        "副高级": ("高级畜牧师", "高级兽医师"),
        "中级": ("畜牧师", "兽医师"),
        "助理级": ("助理畜牧师", "助理兽医师"),
        "员级": ("畜牧技术员", "兽医技术员"),
    },
    "工程": {"正高级": ("教授级高级工程师",)},
}


def normalise_series(text: str) -> str:
    """``" 工程系列 "`` and ``工程`` name the same series."""
    series = text.strip()
    if series.endswith("系列") and len(series) > 2:
        series = series[:-2]
    return series


def qualifications_for(series: str, level: str) -> tuple[str, ...]:
    """Accepted qualification names of a level in a listed series, main name first."""
    series = normalise_series(series)
    main = SERIES_QUALIFICATIONS.get(series, {}).get(level)
    if main is None:
        return ()
    return (main, *_ALSO_ACCEPTED.get(series, {}).get(level, ()))


def check_qualification(series: str, level: str, qualification: str) -> Problem | None:
    """What is wrong with the (series, level, qualification) triple, or None.

    An unknown series is fine: we cannot list every series.
    """
    series = normalise_series(series)
    qualification = qualification.strip()
    if level not in LEVELS:
        return check_level(level)
    by_level = SERIES_QUALIFICATIONS.get(series)
    if by_level is None:
        return None
    accepted = qualifications_for(series, level)
    if not accepted:
        return Problem("qualification.no_such_level", {"series": series, "level": level, "levels": tuple(by_level)})
    if qualification in accepted:
        return None
    return Problem(
        "qualification.mismatch",
        {"qualification": qualification, "level": level, "series": series, "expected": accepted},
    )


def check_level(level: str) -> Problem | None:
    if level in LEVELS:
        return None
    return Problem("level.unknown", {"level": level, "levels": LEVELS})


def normalise_grant_route(text: str) -> str | None:
    """The English key of a grant route given as key or Chinese label, or None."""
    value = text.strip()
    if value.lower() in GRANT_ROUTES:
        return value.lower()
    for key, label in GRANT_ROUTES.items():
        if value == label:
            return key
    return _GRANT_ROUTE_ALIASES.get(value)


def check_grant_route(text: str) -> Problem | None:
    if normalise_grant_route(text) is not None:
        return None
    choices = tuple(f"{key} ({label})" for key, label in GRANT_ROUTES.items())
    return Problem("grant_route.unknown", {"value": text.strip(), "choices": choices})


# Han ideographs of every block, including Extension B and later in planes 2 and 3
# (rare characters appear in organ names as rarely as in people's names, but appear).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"

# Full-width ASCII (U+FF01..U+FF5E) typed by Chinese input methods, mapped to ASCII.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WHITESPACE = re.compile(r"[\s\u200b\ufeff]+")
# After full-width mapping, （）［］｛｝ have become () [] {}. Besides them, the brackets
# archives' word processors produce: 【】 〖〗 〘〙, the small ﹝﹞ ﹙﹚ of Word's symbol table,
# and 〔〕 itself. Opening and closing need not match (typed by hand, they often do not).
_OPENING = "[(【〔〖〘﹝﹙{"
_CLOSING = "])】〕〗〙﹞﹚}"
_BRACKETED_YEAR = re.compile(rf"[{re.escape(_OPENING)}](\d{{4}})[{re.escape(_CLOSING)}]")
DOC_NO_EXAMPLE = "渝人社发〔2021〕25号"
_DOC_NO = re.compile(rf"(?=[A-Za-z]*[{HAN}])[{HAN}A-Za-z]+〔\d{{4}}〕\d+号")


def normalise_doc_no(text: str) -> str:
    """``渝人社发 [2021] 25 号`` → ``渝人社发〔2021〕25号``."""
    compact = _WHITESPACE.sub("", text.translate(_FULL_WIDTH))
    return _BRACKETED_YEAR.sub(r"〔\1〕", compact)


def check_doc_no(text: str) -> Problem | None:
    """None when the normalised 文号 reads organ + 〔year〕 + number + 号."""
    doc_no = normalise_doc_no(text)
    if not doc_no:
        return Problem("doc_no.empty")
    if _DOC_NO.fullmatch(doc_no):
        return None
    return Problem("doc_no.format", {"doc_no": doc_no, "example": DOC_NO_EXAMPLE})
