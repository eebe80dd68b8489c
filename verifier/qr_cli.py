"""``ecert verify-qr TEXT_OR_IMAGE [--keys FILE]``: check a QR claim offline.

The input is the QR text (the verification URL) or a photo/scan holding the QR code
(decoded with zxing-cpp, then pyzbar).  The claim is checked against a saved key set
(``--keys``; default: this instance's published key set) with no network and no
registry lookup: it says what the issuer signed, not whether the certificate has been
revoked since (open the URL for that).

Exit status: 0 the signature holds and its key was valid on the claim's issue date;
1 it does not (tampered, unknown key, key out of period, no claim in the URL);
2 usage error (unreadable file or key set, no QR code found).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click
from flask.cli import with_appcontext

from ecert.qr_claim import QUERY_PARAMETER, KeySet, KeySetError, Verification, load_keyset, verify_claim

MAX_IMAGE_PIXELS = 60_000_000  # a 10 KiB PNG can claim 81 megapixels


class _Usage(Exception):
    """Exit 2 with this message."""


@click.command("verify-qr")
@click.argument("text_or_image")
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Saved key set JSON (default: this instance's published key set).",
)
@with_appcontext
def verify_qr_command(text_or_image: str, keys_file: Path | None) -> None:
    """Check the signed claim of a QR code (URL text or image file) offline."""
    try:
        text = _qr_text(text_or_image)
        keyset, keys_source = _keyset(keys_file)
    except _Usage as problem:
        click.echo(f"错误 error: {problem}", err=True)
        raise SystemExit(2) from None
    raise SystemExit(report(text, keyset, keys_source))


def report(text: str, keyset: KeySet, keys_source: str) -> int:
    """Print what the QR text claims and whether its signature holds; the exit status."""
    click.echo(f"{_pad('二维码内容 QR text:', 26)}{text}")
    token, claim = split_url(text)
    if token is None or claim is None:
        what = "不是证书验证链接" if token is None else "链接中没有签名信息 (no ?c= claim)"
        click.echo(f"{_pad('签名 signature:', 26)}无效 INVALID — {what}")
        return 1
    result = verify_claim(claim, token, keyset)
    _print_claim(result, token)
    click.echo(f"{_pad('密钥集 key set:', 26)}{keyset.issuer or '(no issuer)'} — {keys_source}")
    if result.ok:
        key = result.key
        assert key is not None
        click.echo(
            f"{_pad('签名 signature:', 26)}有效 VALID — key {key.kid} ({key.status}), "
            f"signing period {key.not_before} to {key.not_after}"
        )
        click.echo("注意 note: 离线核验只说明发证机关签发过这些内容；证书现状（是否撤销、更正）请访问上述链接。")
        click.echo("           Offline check only: open the URL for the registry's current status.")
        return 0
    click.echo(f"{_pad('签名 signature:', 26)}无效 INVALID — {result.message_zh} ({result.message_en})")
    return 1


def _print_claim(result: Verification, token: str) -> None:
    claim = result.claim
    if claim is None:
        click.echo(f"{_pad('令牌 token:', 26)}{token}")
        return
    mark = "" if result.ok else "  [未经验证 unverified]"
    rows = (
        ("证书编号 number:", claim.number),
        ("姓名 full name:", claim.name),
        ("资格名称 qualification:", claim.qualification),
        ("取得资格时间 grant date:", claim.grant_date.isoformat()),
        ("版本 version:", str(claim.version)),
        ("令牌 token:", claim.token),
        ("密钥 kid:", claim.kid),
        ("签发日期 issue date:", claim.issue_date.isoformat()),
    )
    for label, value in rows:
        click.echo(f"{_pad(label, 26)}{value}{mark}")


def _pad(label: str, width: int) -> str:
    # CJK characters take two columns in a terminal.
    columns = sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
    return label + " " * max(1, width - columns)


def split_url(text: str) -> tuple[str | None, str | None]:
    """(token, claim) of a verification URL ``…/v/<token>?c=<claim>``; None where absent."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return None, None
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 2 or segments[-2] != "v" or not segments[-1]:
        return None, None
    claims = parse_qs(parts.query).get(QUERY_PARAMETER)
    return segments[-1], (claims[0] if claims else None)


# --------------------------------------------------------------------------- inputs


def _qr_text(source: str) -> str:
    path = Path(source)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if is_file:
        return _decode_image(path)
    if "://" in source or "/v/" in source:
        return source.strip()
    raise _Usage(f"{source!r} is neither a QR text (URL) nor a readable image file")


def _decode_image(path: Path) -> str:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    raise _Usage(f"{path}: image too large ({opened.width}x{opened.height} pixels)")
                image = opened.convert("RGB")
    except _Usage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _Usage(f"{path}: not a readable image ({exc})") from None
    texts = _zxing(image) or _zbar(image)
    if not texts:
        raise _Usage(f"{path}: no QR code found in the image")
    # Prefer a code that carries a claim (a page may hold other codes).
    return next((t for t in texts if split_url(t)[1] is not None), texts[0])


def _zxing(image) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        import zxingcpp
    except ImportError:
        return []
    try:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - fall back to the other decoder
        return []
    return [barcode.text for barcode in found if barcode.valid and barcode.text]


def _zbar(image) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError):  # OSError: libzbar0 missing
        return []
    try:
        found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    except Exception:  # noqa: BLE001
        return []
    texts = []
    for symbol in found:
        try:
            texts.append(symbol.data.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(symbol.data.decode("latin-1"))
    return texts


def _keyset(keys_file: Path | None) -> tuple[KeySet, str]:
    if keys_file is None:
        from ecert.kernel import kernel

        keys_file = kernel().settings.qr_keyset_path
        if not keys_file.is_file():
            raise _Usage(f"this instance has published no QR key set yet ({keys_file}); pass --keys FILE")
    try:
        return load_keyset(keys_file), str(keys_file)
    except KeySetError as exc:
        raise _Usage(str(exc)) from None
