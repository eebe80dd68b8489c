"""What the issuer's commands share: how a failure is said, who acts, paths and numbers."""

from __future__ import annotations

import getpass
from pathlib import Path

from ecert.command import Failure
from ecert.i18n import _
from ecert.vocab.numbering import EXAMPLE, NumberProblem, parse_number
from issuer.cli.words import describe

EXIT_INVALID = 1
EXIT_PARTIAL = 3  # --skip-invalid: the valid rows were issued, some rows were not


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def parsed_number(number: str) -> str:
    try:
        return parse_number(number).text
    except NumberProblem as error:
        raise Failure(
            _(
                "证书编号 %(number)s：%(problem)s",
                number=number.strip(),
                problem=describe(error.code, {"example": EXAMPLE}),
            )
        ) from None


def read_input(path: Path) -> bytes:
    """The bytes of a file named on the command line, or a Failure that says why not."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise Failure(_("找不到文件 %(path)s", path=path)) from None
    except IsADirectoryError:
        raise Failure(_("%(path)s 是文件夹，不是文件", path=path)) from None
    except PermissionError:
        raise Failure(_("没有读取 %(path)s 的权限", path=path)) from None
    except OSError as error:
        raise Failure(_("无法读取 %(path)s：%(reason)s", path=path, reason=error.strerror or error)) from None


def ensure_writable(out_dir: Path) -> None:
    """Fail before issuing anything, not after, if the PDFs cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".ecert-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise Failure(
            _("--out %(dir)s：无法写入该文件夹（%(reason)s）", dir=out_dir, reason=error.strerror or error)
        ) from None


def write_pdf(path: Path, pdf: bytes) -> None:
    try:
        path.write_bytes(pdf)
    except OSError as error:
        raise Failure(_("无法写入证书 PDF %(path)s（%(reason)s）", path=path, reason=error.strerror or error)) from None
