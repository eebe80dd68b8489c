"""Words for the problems the decisions file and the vocabulary checks report as codes.

Chinese msgids, English in the catalogue; docs/decisions-csv.md lists them in both
languages. A column is named by its Chinese header (姓名) in Chinese and by its field name
(``name``) in English.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

from ecert.i18n import EN, _, _l, current_lang
from ecert.name_words import NAME_PROBLEM_WORDS
from ecert.stored import StoredFileProblem
from ecert.vocab.problem import Param, Problem
from issuer import IssuerError
from issuer.decisions import RowError
from issuer.decisions.fields import BY_NAME

PROBLEM_WORDS: Mapping[str, LazyString] = {
    "required": _l("必须填写"),
    "too_long": _l("超过最大长度 %(max)s 字（现为 %(length)s 字）"),
    "layout.too_long": _l("太长，折成两行、用最小的 %(size)s 磅字号也印不下；请缩短（一般最多 %(max)s 个汉字）"),
    "provenance.too_long": _l("转换来源（原纸质证书编号、核验单位）太长，用最小的 %(size)s 磅字号也印不下；请缩短"),
    "qr.too_large": _l("太长：二维码所带的签名内容超出 %(max)s 版二维码的容量；请缩短"),
    "qr.public_url_too_long": _l(
        "验证网址（ECERT_PUBLIC_URL）太长，任何证书的二维码都超出 %(max)s 版的容量；请换用较短的网址"
    ),
    "no_header": _l("第 %(position)s 列有值，但该列没有列名"),
    "duplicate": _l("与第 %(first_row)s 行是同一审批决定"),
    "not_a_column": _l("不是审批决定的列（列名：%(columns)s）"),
    "not_correctable": _l("不是可更正的列（可更正：%(columns)s）"),
    "unprintable": _l("没有字体能打印 %(chars)s；请找含有这些字的字体"),
    **NAME_PROBLEM_WORDS,  # text.control and the name.* codes
    "text.formula": _l("以 %(prefix)s 开头，电子表格会把它当作公式；请删去开头的 %(prefix)s"),
    "identity.file": _l("该身份证号码在第 %(first_row)s 行的姓名是 %(name)s；同一身份证号码只能对应一个姓名"),
    "identity.registry": _l(
        "该身份证号码已签发给 %(name)s（证书 %(number)s）；如姓名有误，请用 ecert correct %(number)s --set 姓名=… 更正，不要重新签发"
    ),
    "gender.unknown": _l("性别 %(value)s 应为 男 或 女（或 M、F）"),
    "mobile.invalid": _l("手机号码 %(value)s 不是 11 位手机号码"),
    "gender.mismatch": _l("性别 %(gender)s 与身份证号码不符（应为%(expected)s）"),
    "id_number.spreadsheet": _l("身份证号码被电子表格转成了数字（%(value)s）；请把该列设为文本格式后重新输入"),
    "id_number.old_format": _l(
        "身份证号码是 15 位旧号码；请升级为 18 位：在 2 位出生年份前加 19，末尾加校验码 %(check)s"
    ),
    "id_number.length": _l("身份证号码应为 18 位（现为 %(length)s 位）"),
    "id_number.characters": _l("身份证号码应为 17 位数字加 1 位数字或 X"),
    "id_number.region": _l("身份证号码的地区码 %(region)s 不是有效的行政区划代码"),
    "id_number.birth_date": _l("身份证号码中的出生日期 %(digits)s 无效"),
    "id_number.birth_future": _l("身份证号码中的出生日期 %(born)s 晚于今天"),
    "id_number.checksum": _l("身份证号码有误（校验码不符）；请与身份证核对"),
    "level.unknown": _l("层级 %(level)s 应为 %(levels)s 之一"),
    "qualification.no_such_level": _l("%(series)s 系列没有 %(level)s（其层级：%(levels)s）"),
    "qualification.mismatch": _l("资格名称 %(qualification)s 与 %(series)s 系列的 %(level)s 不符（应为 %(expected)s）"),
    "grant_route.unknown": _l("取得方式 %(value)s 应为 %(choices)s 之一"),
    "doc_no.empty": _l("文号为空"),
    "doc_no.format": _l("文号 %(doc_no)s 的格式应如 %(example)s"),
    "date.format": _l("审批时间 %(value)s 不是日期；请用 YYYY-MM-DD 格式"),
    "date.invalid": _l("审批时间 %(value)s 不是真实存在的日期"),
    "date.future": _l("审批时间 %(date)s 晚于今天"),
    "date.too_early": _l("审批时间 %(date)s 早于 %(earliest)s"),
    "date.under_age": _l("审批时间 %(date)s 时持证人（按身份证号码）未满 %(age)s 周岁"),
    "photo.outside": _l("照片 %(path)s 不在 CSV 文件所在的文件夹内（经符号链接指向外面也不行）"),
    "photo.missing": _l("照片 %(path)s 不存在"),
    "photo.not_file": _l("照片 %(path)s 不是文件"),
    "photo.unreadable": _l("无法读取照片 %(path)s（%(reason)s）"),
    "photo.too_large": _l("照片 %(path)s 超过 5 MB（%(size)s 字节）"),
    "photo.not_image": _l("照片 %(path)s 不是 JPEG 或 PNG 图片"),
    "photo.unusable": _l("照片 %(path)s 无法使用：%(reason)s"),
    "number.empty": _l("证书编号为空"),
    "number.format": _l("证书编号的格式应如 %(example)s：ZC、6 位机关代码、4 位年份、6 位顺序号、校验位"),
    "number.id_number": _l("这像是身份证号码，不是证书编号；证书编号形如 %(example)s"),
    "number.check": _l("证书编号校验位不符：有字符输错或两个字符颠倒了"),
    "file.binary": _l("文件不是文本文件（含有 NUL 字节）；请另存为 CSV"),
    "file.encoding": _l("文件既不是 UTF-8 也不是 GB18030 编码"),
    "file.bom_gb18030": _l("文件开头是 UTF-8 的 BOM，内容却是 GB18030 编码；请另存为“CSV UTF-8（逗号分隔）”"),
    "file.not_csv": _l("文件不是可读的 CSV 文件：%(reason)s"),
    "file.no_header": _l("第一行必须是列名：%(columns)s"),
    "file.duplicate_column": _l("列名 %(column)s 出现了两次"),
    "file.unknown_columns": _l("列名行中有未知的列：%(unknown)s（可用：%(allowed)s）"),
    "file.missing_columns": _l("列名行中缺少列：%(missing)s"),
    "certificate.not_found": _l("没有编号为 %(number)s 的已签发证书"),
    "certificate.not_valid": _l("证书 %(number)s 第 %(version)s 版%(status)s，不是有效证书"),
    "certificate.busy": _l("证书 %(number)s 正由他人更正；请稍后重试"),
    "certificate.changed": _l("证书 %(number)s 在签名期间被他人改动；请重试"),
    "certificate.no_version": _l("证书 %(number)s 没有第 %(version)s 版（最新为第 %(latest)s 版）"),
    "certificate.not_signed": _l("证书 %(number)s 第 %(version)s 版尚在签发中，还没有签名的 PDF"),
    "blob.missing": _l("证书 %(number)s 第 %(version)s 版的 PDF 文件不在文件库中（SHA-256 %(sha256)s）；请从备份恢复"),
    "blob.altered": _l(
        "证书 %(number)s 第 %(version)s 版的 PDF 文件已被改动：内容与登记的 SHA-256 %(sha256)s 不符；请从备份恢复"
    ),
    "blob.photo_missing": _l(
        "证书 %(number)s 第 %(version)s 版的照片文件不在文件库中（SHA-256 %(sha256)s）；请从备份恢复"
    ),
    "blob.photo_altered": _l(
        "证书 %(number)s 第 %(version)s 版的照片文件已被改动：内容与登记的 SHA-256 %(sha256)s 不符；请从备份恢复"
    ),
    "public_url.changed": _l(
        "数据库记录的公开网址（二维码中的网址）是 %(recorded)s，本机的 ECERT_PUBLIC_URL 是 %(configured)s；"
        "已签发的二维码永久指向前者。请改正本机设置，或确需更换网址时加 --accept-public-url-change"
    ),
    "certificate.unchanged": _l("证书 %(number)s 第 %(version)s 版的 %(columns)s 已是这些值，无需更正；未签发新版本"),
}

_STATUS_WORDS: Mapping[str, LazyString] = {
    "pending": _l("尚在签发中"),
    "revoked": _l("已被撤销"),
    "superseded": _l("已被更正版本取代"),
}

_GENDER_WORDS: Mapping[str, LazyString] = {"男": _l("男性"), "女": _l("女性")}


def describe(code: str, params: Mapping[str, Param]) -> str:
    """The sentence for a problem code in the current language."""
    words = PROBLEM_WORDS.get(code)
    if words is None:  # a code this edge does not know yet: still say something exact
        return " ".join([code, *(f"{key}={value}" for key, value in params.items())])
    return str(words) % {key: _shown(key, value) for key, value in params.items()} if params else str(words)


def issuer_error_text(error: IssuerError) -> str:
    """An issuer error in the reader's language where it carries a code; otherwise its
    own (English, technical) sentence, e.g. a PKI or signing fault meant for the operator's admin."""
    code = getattr(error, "code", None)
    if isinstance(code, str) and code in PROBLEM_WORDS:
        return describe(code, getattr(error, "params", {}))
    return str(error)


def stored_file_text(problem: StoredFileProblem) -> str:
    """Which certificate version's file is missing or altered, in the reader's language."""
    return describe(problem.code, problem.params)


def describe_problems(problems: tuple[Problem, ...]) -> str:
    return _("；").join(describe(problem.code, problem.params) for problem in problems)


def column_label(column: str) -> str:
    field = BY_NAME.get(column)
    return column if field is None or current_lang() == EN else field.label


def row_error_text(error: RowError) -> str:
    """``第 3 行，身份证号 列：…`` / ``row 3, column id_number: …`` (a correction has no row)."""
    message = describe(error.code, error.params)
    if error.row:
        return _(
            "第 %(row)s 行，%(column)s 列：%(message)s",
            row=error.row,
            column=column_label(error.column),
            message=message,
        )
    return _("%(column)s 列：%(message)s", column=column_label(error.column), message=message)


def _shown(key: str, value: Param) -> str | int:
    if isinstance(value, tuple):
        return _("、").join(value)
    if key == "expected" and isinstance(value, str) and value in _GENDER_WORDS:
        return str(_GENDER_WORDS[value])
    if key == "status" and isinstance(value, str) and value in _STATUS_WORDS:
        return str(_STATUS_WORDS[value])
    return value
