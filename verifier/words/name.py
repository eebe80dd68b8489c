"""What is wrong with a typed holder's name, in words: the kernel's sentences
(``ecert.name_words``), the same as the decisions file's."""

from __future__ import annotations

from ecert.i18n import _, _l
from ecert.name_words import NAME_PROBLEM_WORDS
from ecert.vocab.problem import Problem

_UNKNOWN = _l("姓名无效")


def name_problem_text(problem: Problem) -> str:
    words = NAME_PROBLEM_WORDS.get(problem.code)
    if words is None:
        return str(_UNKNOWN)
    return str(words) % dict(problem.params) if problem.params else str(words)


def name_paused_text(retry_after: int) -> str:
    """Lookups for a name are paused: too many found nothing (``verifier.views.name_budget``)."""
    minutes = max(1, -(-retry_after // 60))
    return _(
        "此姓名近期查询未找到证书的次数过多；为保护持证人，%(minutes)s 分钟内暂停按此姓名查询。"
        "如需核实，请扫描证书上的二维码或联系发证机关。",
        minutes=minutes,
    )
