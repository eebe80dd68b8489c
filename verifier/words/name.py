"""What is wrong with a typed holder's name (``ecert.vocab.names.check_name``), in words.

The same sentences as the decisions file's (``issuer.cli.words``): one msgid, one translation.
"""

from __future__ import annotations

from ecert.i18n import _l
from ecert.vocab.problem import Problem

_PROBLEMS = {
    "text.control": _l("含控制字符 %(chars)s；请删去"),
    "name.digits": _l("姓名不能含数字"),
    "name.private_use": _l("姓名含私用区字符 U+%(code_point)s；请改用标准 Unicode 字符"),
    "name.characters": _l("姓名只能含汉字、字母、· 和空格，不能含：%(chars)s"),
    "name.no_letter": _l("姓名至少要有一个汉字或字母"),
    "name.invisible": _l("姓名含不可见字符 %(chars)s；请删去"),
    "name.whitespace": _l(
        "姓名中间不能有空白字符 %(chars)s（汉字姓名不留空格，各部分之间用间隔号 ·；外文姓名的词之间只用普通空格）"
    ),
    "name.mixed_scripts": _l("姓名中的 %(word)s 混用了不同文字的字母：%(chars)s"),
}
_UNKNOWN = _l("姓名无效")


def name_problem_text(problem: Problem) -> str:
    words = _PROBLEMS.get(problem.code)
    if words is None:
        return str(_UNKNOWN)
    return str(words) % dict(problem.params) if problem.params else str(words)
