"""What is wrong with a typed holder's name, in words: the kernel's sentences
(``ecert.name_words``), the same as the decisions file's."""

from __future__ import annotations

from ecert.i18n import _l
from ecert.name_words import NAME_PROBLEM_WORDS
from ecert.vocab.problem import Problem

_UNKNOWN = _l("姓名无效")


def name_problem_text(problem: Problem) -> str:
    words = NAME_PROBLEM_WORDS.get(problem.code)
    if words is None:
        return str(_UNKNOWN)
    return str(words) % dict(problem.params) if problem.params else str(words)
