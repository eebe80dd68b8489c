"""Words for the roster import's problems, in the reader's language (``docs/rosters.md``).

The codes a roster shares with the decisions file (``required``, ``id_number.*``,
``name.*``, ``doc_no.format``…) read as ``ecert issue`` says them (``issuer.cli.words``);
the roster's own codes are here. A column is named as the file spells it (取得时间) in
Chinese, by its field name (``approval_date``) in English.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

from ecert.i18n import EN, _, _l, current_lang
from ecert.vocab.problem import Param, Problem
from issuer.cli import words as issuer_words
from issuer.decisions.fields import ROSTER_BY_NAME
from legacy_import.roster import RosterFileProblem, RosterProblem

ROSTER_WORDS: Mapping[str, LazyString] = {
    "roster.xls": _l("文件是旧的 Excel 97-2003（.xls）格式或有密码保护；请在 Excel 中另存为 .xlsx 或 CSV 后再导入"),
    "roster.not_xlsx": _l("文件不是可读的 XLSX 工作簿"),
    "roster.xlsx_too_large": _l("XLSX 工作簿解压后超过 %(max_mb)s MB；请分成几个文件导入"),
    "roster.too_many_rows": _l("文件超过 %(max)s 行；请分成几个文件导入"),
    "roster.no_header": _l("找不到列名行：前 10 行中须有一行列名，至少含 %(columns)s"),
    "roster.no_reference_column": _l("列名行中须有身份证号码、纸质证书编号或文号中的至少一列"),
    "roster.no_reference": _l("身份证号码、纸质证书编号、文号至少要填一项"),
    "roster.date_format": _l("%(value)s 不是日期；可用 2003-07-01、2003.7.1、2003年7月1日、2003年7月 或 Excel 日期"),
    "roster.date_before_birth": _l("审批时间 %(date)s 早于身份证号码中的出生日期"),
}


def describe(code: str, params: Mapping[str, Param]) -> str:
    words = ROSTER_WORDS.get(code)
    if words is None:
        return issuer_words.describe(code, params)
    shown = {key: _("、").join(value) if isinstance(value, tuple) else value for key, value in params.items()}
    return str(words) % shown if params else str(words)


def column_text(column: str, header: str = "") -> str:
    """The column as the reader knows it: the file's header in Chinese, the field name in English."""
    if current_lang() == EN:
        return column
    if header:
        return header
    spec = ROSTER_BY_NAME.get(column)
    return spec.label if spec else column


def problem_text(error: RosterProblem) -> str:
    """``第 3 行，取得时间 列：…`` / ``row 3, column approval_date: …``, with the sheet of an XLSX."""
    message = describe(error.code, error.params)
    column = column_text(error.column, error.header)
    if error.sheet is not None:
        return _(
            "工作表 %(sheet)s 第 %(row)s 行，%(column)s 列：%(message)s",
            sheet=error.sheet,
            row=error.row,
            column=column,
            message=message,
        )
    return _("第 %(row)s 行，%(column)s 列：%(message)s", row=error.row, column=column, message=message)


def file_problem_text(error: RosterFileProblem) -> str:
    message = _("；").join(describe_problem(problem) for problem in error.problems)
    if error.sheet is not None:
        return _("工作表 %(sheet)s：%(message)s", sheet=error.sheet, message=message)
    return message


def describe_problem(problem: Problem) -> str:
    if problem.code == "file.missing_columns":
        names = problem.params.get("missing", ())
        missing = tuple(column_text(str(name)) for name in (names if isinstance(names, tuple) else (names,)))
        return describe(problem.code, {"missing": missing})
    if problem.code == "roster.no_header":
        return describe(problem.code, {"columns": _("姓名、资格名称，以及身份证号码、纸质证书编号或文号")})
    return describe(problem.code, problem.params)


__all__ = ["ROSTER_WORDS", "column_text", "describe", "file_problem_text", "problem_text"]
