"""The upload form of ``/console/issue`` and the words of a batch's row errors.

The words are the CLI's (``issuer.cli.words``): a row error found in the console reads as
``ecert issue`` prints it, split into its row, its column and its message for the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from ecert.i18n import _, _l
from issuer.cli.words import PROBLEM_WORDS, column_label, describe

# A decisions file is ~300 bytes a row: 2 MB is several thousand rows, far more than a
# committee approves at once, and little enough to read whole in one request.
MAX_CSV_BYTES = 2 * 1024 * 1024

# The photo codes a browser upload always meets: it sends one file, never its folder.
_PHOTO_CODES = frozenset({"photo.missing", "photo.outside", "photo.not_file"})


class UploadForm(FlaskForm):
    file = FileField(validators=[FileRequired(_l("请选择审批结果 CSV 文件"))])
    # The CLI's --skip-invalid: issue the valid rows and report the others.
    skip_invalid = BooleanField()


def read_limited(stream: IO[bytes]) -> bytes | None:
    """The upload's bytes, or None when it holds more than ``MAX_CSV_BYTES``."""
    data = stream.read(MAX_CSV_BYTES + 1)
    return None if len(data) > MAX_CSV_BYTES else data


def too_large_text() -> str:
    return _("文件太大：审批结果 CSV 文件不能超过 %(mb)s MB；请分成几个文件上传", mb=MAX_CSV_BYTES // (1024 * 1024))


@dataclass(frozen=True)
class ErrorLine:
    row: int
    column: str
    message: str


def error_line(error: Mapping[str, Any]) -> ErrorLine:
    """One stored row error (``console.issue_batches``) as the table shows it."""
    params = {key: tuple(value) if isinstance(value, list) else value for key, value in error["params"].items()}
    column = column_label(error["column"]) if error["column"] else ""
    code = error["code"]
    if code == "issue.failed":
        return ErrorLine(error["row"], column, _failure_text(params))
    if error["column"] == "photo" and code in _PHOTO_CODES:
        message = _(
            "网页上传只能带 CSV 文件本身，不能带照片 %(path)s；有照片的行请用 ecert issue 签发", path=params["path"]
        )
        return ErrorLine(error["row"], column, message)
    return ErrorLine(error["row"], column, describe(code, params))


def _failure_text(params: Mapping[str, Any]) -> str:
    code = params.get("reason_code") or ""
    reason = describe(code, params.get("reason_params") or {}) if code in PROBLEM_WORDS else params["reason"]
    if not params.get("number"):
        return _("签发失败：%(reason)s（未占用证书编号）", reason=reason)
    if params.get("released"):
        return _(
            "签发失败：%(reason)s；已释放预留的编号 %(number)s，它将用于下一张证书",
            reason=reason,
            number=params["number"],
        )
    return _(
        "签发失败：%(reason)s；预留的编号 %(number)s 未能释放，重新上传同一文件会完成它",
        reason=reason,
        number=params["number"],
    )


def problem_text(problem: Mapping[str, Any]) -> str:
    """A batch's failure that was no row's fault (the public URL, the signer)."""
    code = problem.get("code") or ""
    if code in PROBLEM_WORDS:
        return describe(code, problem.get("params") or {})
    return str(problem.get("text") or "")
