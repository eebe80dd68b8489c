"""What is wrong with a typed certificate number (``ecert.vocab.numbering.NumberProblem``), in words."""

from __future__ import annotations

from ecert import NumberFormatError
from ecert.i18n import _l
from ecert.vocab.numbering import EXAMPLE

_PROBLEMS = {
    "number.empty": _l("证书编号为空"),
    "number.format": _l("证书编号的格式应如 %(example)s：ZC、6 位机关代码、4 位年份、6 位顺序号、校验位"),
    "number.id_number": _l("这像是身份证号码，不是证书编号；证书编号形如 %(example)s"),
    "number.check": _l("证书编号校验位不符：有字符输错或两个字符颠倒了"),
}


def number_problem(error: NumberFormatError) -> str:
    message = _PROBLEMS.get(getattr(error, "code", ""), _PROBLEMS["number.format"])
    return str(message) % {"example": EXAMPLE}
