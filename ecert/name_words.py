"""What is wrong with a name (``ecert.vocab.names.check_name``), in words.

In the kernel because both the decisions file's errors (``issuer.cli.words``) and the public
lookup (``verifier.words.name``) say them, and the two packages never import each other.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

from ecert.i18n import _l

NAME_PROBLEM_WORDS: Mapping[str, LazyString] = {
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
