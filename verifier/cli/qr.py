"""``ecert verify-qr TEXT_OR_IMAGE [--keys FILE] [--any-host]``: check a QR claim offline.

The input is the QR text (the verification URL) or a photo/scan holding the QR code
(decoded with zxing-cpp, then pyzbar).  The claim is checked against a saved key set
(``--keys``; default: this instance's published key set) with no network and no
registry lookup: it says what the issuer signed, not whether the certificate has been
revoked since (the official page ``{base}/v/<token>`` says that).

The URL itself is checked too: the claim's signature does not cover the host (see
``ecert.qr_claim``), so a real claim copied into ``https://evil.example/v/<token>?c=…``
still has a valid signature.  The URL must lie under one of the key set's
``verify_base_urls`` (same scheme, host, port and path prefix); otherwise the QR code is
INVALID, whatever its signature.  The user is only ever pointed to the official page
built from the published base URL, never to the URL as found in the QR code.  A key set
without ``verify_base_urls`` (published before they existed) cannot tell: the result is
then INVALID unless ``--any-host`` accepts any host (at the user's own risk).  Text
without a host (``/v/<token>?c=…``) has no site to check: only the signature counts.

Exit status: 0 the signature holds, its key was valid on the claim's issue date and
the URL is on an official site; 1 it is not (tampered, unknown key, key out of period,
no claim in the URL, a site that is not the issuer's, or a site that could not be
checked); 2 usage error (unreadable file or key set, no QR code found).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import click
from flask.cli import with_appcontext

from ecert.qr_claim import (
    QUERY_PARAMETER,
    KeySet,
    KeySetError,
    Verification,
    load_keyset,
    official_base_for,
    url_origin,
    verify_claim,
)
from verifier.qr.check import verification_words

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
@click.option(
    "--any-host",
    is_flag=True,
    help="Accept a URL on any host when the key set publishes no official site (older key sets). "
    "A host the key set does not list is always invalid.",
)
@with_appcontext
def verify_qr_command(text_or_image: str, keys_file: Path | None, any_host: bool) -> None:
    """Check the signed claim of a QR code (URL text or image file) offline."""
    try:
        text = _qr_text(text_or_image)
        keyset, keys_source = _keyset(keys_file)
    except _Usage as problem:
        click.echo(f"错误 error: {problem}", err=True)
        raise SystemExit(2) from None
    raise SystemExit(report(text, keyset, keys_source, any_host=any_host))


W = 26  # label column


def report(text: str, keyset: KeySet, keys_source: str, *, any_host: bool = False) -> int:
    """Print what the QR text claims and whether its signature and site hold; the exit status."""
    click.echo(f"{_pad('二维码内容 QR text:', W)}{_safe(text)}")
    token, claim = split_url(text)
    if token is None or claim is None:
        what = "不是证书验证链接 (not a verification URL)" if token is None else "链接中没有签名信息 (no ?c= claim)"
        click.echo(f"{_pad('签名 signature:', W)}无效 INVALID — {what}")
        return 1
    result = verify_claim(claim, token, keyset)
    site, site_line, official = _site(text, keyset, any_host)
    site_ok = site == "ok"
    _print_claim(result, token, verified=result.ok and site_ok)
    click.echo(f"{_pad('密钥集 key set:', W)}{_safe(keyset.issuer) or '(no issuer)'} — {keys_source}")
    click.echo(f"{_pad('网址 site:', W)}{site_line}")
    if result.ok:
        key = result.key
        assert key is not None
        held = "有效 VALID" if site_ok else "签名本身成立 holds (but see the site above)"
        click.echo(
            f"{_pad('签名 signature:', W)}{held} — key {key.kid} ({key.status}), "
            f"signing period {key.not_before} to {key.not_after}"
        )
    else:
        zh, en = verification_words(result)
        click.echo(f"{_pad('签名 signature:', W)}无效 INVALID — {zh} ({en})")
    if result.ok and official is not None:
        # The token is covered by the signature: this is the certificate's page on the official site.
        click.echo(f"{_pad('官方验证页 official page:', W)}{official.rstrip('/')}/v/{token}")
    if not (result.ok and site_ok):
        click.echo(f"{_pad('结论 result:', W)}无效 INVALID")
        if site == "foreign":
            click.echo("注意 note: 请勿打开二维码中的网址，也不要在其中输入任何信息。")
            click.echo("           Do not open the URL in this QR code or enter anything there.")
        elif site == "unchecked":
            click.echo("注意 note: 无法确认二维码中的网址属于发证机关；请通过发证机关官方网站核验。")
            click.echo("           The URL could not be confirmed as the issuer's: verify through the issuing office's own site.")
        return 1
    click.echo(f"{_pad('结论 result:', W)}有效 VALID")
    page = "上述官方验证页" if official is not None else "发证机关官方网站"
    where = "the official page above" if official is not None else "the issuing office's official site"
    click.echo(f"注意 note: 离线核验只说明发证机关签发过这些内容；证书现状（是否撤销、更正）请访问{page}。")
    click.echo(f"           Offline check only: see {where} for the registry's current status.")
    return 0


def _site(text: str, keyset: KeySet, any_host: bool) -> tuple[Literal["ok", "foreign", "unchecked"], str, str | None]:
    """("ok" | "foreign" | "unchecked", the line to print, the official base URL to point to or None)."""
    bases = keyset.verify_base_urls
    origin = url_origin(text)
    official = official_base_for(text, bases) if bases else None
    if official is not None:
        return "ok", f"官方网址 OFFICIAL — {official}", official
    sites = " / ".join(bases)
    first = bases[0] if bases else None
    if not origin:
        if text.strip().startswith("/"):  # "/v/<token>?c=…": nothing to open, nothing to check
            return "ok", "无 none — 文本中没有网址主机，只核验签名 (no host in the text: only the signature is checked)", first
        origin = text.strip().split("/", 1)[0]  # "evil.example/v/…": a browser may still open it
    shown = _safe(origin)
    if bases:
        return (
            "foreign",
            (
                f"无效 INVALID — 二维码指向的网址不是发证机关的官方网址 (the QR points to {shown}, "
                f"not the issuing office's site {sites}): do not trust it"
            ),
            first,
        )
    if any_host:
        return (
            "ok",
            (
                f"未核验 NOT CHECKED (--any-host) — 密钥集未公布官方网址，请自行确认 {shown} 是发证机关的网站 "
                f"(the key set publishes no official site: make sure {shown} is the issuing office's yourself)"
            ),
            None,
        )
    return (
        "unchecked",
        (
            f"无法核验 UNCHECKED — 密钥集未公布发证机关的官方网址，无法核对二维码指向的 {shown} "
            "(the key set publishes no official site (verify_base_urls), so the QR's host could not be checked); "
            "请从发证机关官网重新获取密钥集，或使用 --any-host 自担风险 "
            "(get a current key set from the issuing office, or pass --any-host at your own risk)"
        ),
        None,
    )


def _print_claim(result: Verification, token: str, *, verified: bool) -> None:
    claim = result.claim
    if claim is None:
        click.echo(f"{_pad('令牌 token:', W)}{_safe(token)}")
        return
    mark = "" if verified else "  [未经验证 unverified]"
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
        click.echo(f"{_pad(label, W)}{value}{mark}")


def _pad(label: str, width: int) -> str:
    # CJK characters take two columns in a terminal.
    columns = sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
    return label + " " * max(1, width - columns)


_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _safe(text: str) -> str:
    """``text`` with control, bidi and invisible characters escaped (QR text is hostile)."""
    return _UNSAFE_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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
    """The key set and where it came from; this instance's own adds its public URL."""
    if keys_file is not None:
        try:
            return load_keyset(keys_file), str(keys_file)
        except KeySetError as exc:
            raise _Usage(str(exc)) from None
    from ecert.kernel import kernel
    from verifier.qr.check import with_own_base_url

    settings = kernel().settings
    keys_file = settings.qr_keyset_path
    if not keys_file.is_file():
        raise _Usage(f"this instance has published no QR key set yet ({keys_file}); pass --keys FILE")
    try:
        return with_own_base_url(load_keyset(keys_file), settings.public_url), str(keys_file)
    except KeySetError as exc:
        raise _Usage(str(exc)) from None
