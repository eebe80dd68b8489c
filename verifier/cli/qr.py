"""``ecert verify-qr TEXT_OR_IMAGE [--keys FILE] [--any-host] [--offline] [--name NAME]``: check a QR claim offline.

The input is the QR text (the verification URL) or a photo/scan holding the QR code
(decoded with zxing-cpp, then pyzbar).  The claim is checked against a saved key set
(``--keys``; default: this instance's published key set) with no network.  When the QR
code points to this instance's own pages (its ``public_url``) the registry here is asked
too, and its status is the conclusion (已撤销, 已更正, …; a claim that disagrees with the
registry is 无效); otherwise, or with ``--offline``, the check says only that the
signature holds and that the status was not checked (the official page
``{base}/v/<token>`` says that), never 有效.

The URL itself is checked too: the claim's signature does not cover the host (see
``ecert.qr_claim``), so a real claim copied into ``https://evil.example/v/<token>?c=…``
still has a valid signature.  The URL must lie under one of the key set's
``verify_base_urls`` (same scheme, host, port and path prefix); otherwise the QR code is
INVALID, whatever its signature.  The user is only ever pointed to the official page
built from the published base URL, never to the URL as found in the QR code.  A key set
without ``verify_base_urls`` (published before they existed) cannot tell: the result is
then INVALID unless ``--any-host`` accepts any host (at the user's own risk).  Text
without a host (``/v/<token>?c=…``) has no site to check: only the signature counts.

``--name 张三`` checks the holder's full name too: against the registry's when it is asked,
offline only against the masked name (张*三) the claim carries.  A name that does not
match makes the result 无效 (exit 1).

Exit status (``verifier.status``): 0 valid (offline: the signature holds, its key was
valid on the claim's issue date and the URL is on an official site; status not checked);
1 not valid (tampered, unknown key, key out of period, no claim in the URL, a site that is
not the issuer's or could not be checked, or a claim the registry contradicts); 2 usage
error (unreadable file or key set, no QR code found); 3 the registry could not be read;
4 revoked; 5 superseded; 6 a use copy expired or withdrawn.

Output is Chinese unless ``ecert --lang en`` (or an English ``LANG``) asks for English; the
claim's own fields are printed as signed.
"""

from __future__ import annotations

import hmac
import re
import warnings
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ecert.db import Database
from ecert.i18n import _
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
from ecert.vocab.masking import mask_name
from ecert.vocab.names import name_problem, normalise_name
from verifier import lookup
from verifier.status import EXIT, EXIT_CODES_HELP, EXIT_NOT_VALID, EXIT_UNAVAILABLE, EXIT_USAGE, EXIT_VALID
from verifier.verdict import verdict_for
from verifier.words import claim as claim_words
from verifier.words import verdict as verdict_words
from verifier.words.claim import signature_message

MAX_IMAGE_PIXELS = 60_000_000  # a 10 KiB PNG can claim 81 megapixels


class _Usage(Exception):
    """Exit 2 with this message."""


@click.command("verify-qr", epilog=EXIT_CODES_HELP)
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
@click.option("--offline", is_flag=True, help="Do not ask this instance's registry for the status now.")
@click.option(
    "--name",
    "typed_name",
    help="The holder's full name as you know it: checked against the registry (offline: only "
    "against the masked name the QR code carries).",
)
@with_appcontext
def verify_qr_command(
    text_or_image: str, keys_file: Path | None, any_host: bool, offline: bool, typed_name: str | None
) -> None:
    """Check the signed claim of a QR code (URL text or image file) and, for this instance's
    own codes, the registry's status now."""
    try:
        text = _qr_text(text_or_image)
        keyset, keys_source = _keyset(keys_file)
    except _Usage as problem:
        click.echo(_("错误：%(problem)s", problem=problem), err=True)
        raise SystemExit(EXIT_USAGE) from None
    registry = None if offline else _own_registry(text, keyset, own_keyset=keys_file is None)
    from ecert.kernel import kernel

    # The app's clock, as the pages and the API read it: a use copy's expiry is judged by it.
    now = kernel().clock()
    raise SystemExit(
        report(text, keyset, keys_source, any_host=any_host, registry=registry, typed_name=typed_name, now=now)
    )


def _own_registry(text: str, keyset: KeySet, *, own_keyset: bool) -> Database | None:
    """This instance's registry when the QR code points to this instance's pages: then the
    registry here is the authority on its status. Another office's codes are checked offline."""
    from ecert.kernel import kernel

    k = kernel()
    official = official_base_for(text, keyset.verify_base_urls) if keyset.verify_base_urls else None
    if official is not None:
        return k.db if official.rstrip("/") == k.settings.public_url.rstrip("/") else None
    hostless = not url_origin(text) and text.strip().startswith("/")
    return k.db if hostless and own_keyset else None


W = 18  # label column


def _line(label: str, value: str) -> None:
    click.echo(f"{_pad(label, W)}{value}")


def report(
    text: str,
    keyset: KeySet,
    keys_source: str,
    *,
    any_host: bool = False,
    registry: Database | None = None,
    typed_name: str | None = None,
    now: datetime | None = None,
) -> int:
    """Print what the QR text claims, whether its signature and site hold and, given the
    ``registry`` of the site the QR code points to, the certificate's status now; the exit
    status. ``typed_name`` is checked against the registry's name (offline: the claim's mask).
    ``now`` is the app's clock, at which a use copy's expiry is judged (None: the real one)."""
    _line(_("二维码内容："), _safe(text))
    token, claim = split_url(text)
    if token is None or claim is None:
        what = _("不是证书验证链接") if token is None else _("链接中没有签名信息（?c=）")
        _line(_("签名："), _("无效 — %(why)s", why=what))
        return EXIT_NOT_VALID
    result = verify_claim(claim, token, keyset)
    site, site_line, official = _site(text, keyset, any_host)
    site_ok = site == "ok"
    _print_claim(result, token, verified=result.ok and site_ok)
    _line(_("密钥集："), f"{_safe(keyset.issuer) or _('（未署名）')} — {keys_source}")
    _line(_("网址："), site_line)
    if result.ok:
        key = result.key
        assert key is not None
        held = _("有效") if site_ok else _("签名本身成立（但请看上面的网址）")
        period = _(
            "密钥 %(kid)s（%(status)s），签名期 %(start)s 至 %(end)s",
            kid=key.kid,
            status=key.status,
            start=key.not_before.isoformat(),
            end=key.not_after.isoformat(),
        )
        _line(_("签名："), f"{held} — {period}")
    else:
        _line(_("签名："), _("无效 — %(why)s", why=signature_message(result)))
    if result.ok and official is not None:
        # The token is covered by the signature: this is the certificate's page on the official site.
        _line(_("官方验证页："), f"{official.rstrip('/')}/v/{token}")
    if not (result.ok and site_ok):
        _line(_("结论："), _("无效"))
        if site == "foreign":
            click.echo(_("注意：请勿打开二维码中的网址，也不要在其中输入任何信息。"))
        elif site == "unchecked":
            click.echo(_("注意：无法确认二维码中的网址属于发证机关；请通过发证机关官方网站核验。"))
        return EXIT_NOT_VALID
    if registry is None:
        # No registry to ask: the signature says what was issued, not what holds now.
        assert result.claim is not None
        if typed_name is not None and not _offline_name_matches(typed_name, result.claim.masked_name):
            _line(
                _("姓名核对："),
                _("不一致 — 您输入的姓名与二维码所载姓名（%(masked)s）不符", masked=result.claim.masked_name),
            )
            _line(_("结论："), _("无效 — 证书不属于您输入的姓名"))
            return EXIT_NOT_VALID
        if typed_name is not None:
            _line(_("姓名核对："), _("首尾字一致（离线只能核对二维码所载的遮蔽姓名，完整姓名请在线核验）"))
        _line(_("结论："), _("签名成立；证书现状未核验（离线）"))
        where = f"{official.rstrip('/')}/v/{token}" if official is not None else _("发证机关官方网站")
        click.echo(
            _("注意：离线核验只说明发证机关签发过这些内容；证书现状（是否撤销、更正）请访问 %(where)s。", where=where)
        )
        return EXIT_VALID
    return _registry_conclusion(claim, token, keyset, registry, typed_name, now)


def _offline_name_matches(typed_name: str, masked_name: str) -> bool:
    return name_problem(typed_name) is None and mask_name(normalise_name(typed_name)) == masked_name


def _registry_conclusion(
    claim: str, token: str, keyset: KeySet, registry: Database, typed_name: str | None, now: datetime | None
) -> int:
    """The registry's status of ``token`` as the conclusion: the registry is the authority."""
    from verifier.qr.check import claim_status, holder_full_name

    try:
        with registry.read() as session:
            certificate = lookup.by_token(session, token, now=now)
            full_name = holder_full_name(session, token) if certificate is not None else None
    except SQLAlchemyError as exc:
        _line(_("结论："), _("签名成立，但暂时无法查询登记库，证书现状未核验"))
        click.echo(f"    {_('技术细节')}: {type(exc).__name__}")
        return EXIT_UNAVAILABLE
    status = claim_status(claim, certificate, token=token, keyset=keyset)
    if status.state != "valid" or certificate is None:
        _line(_("结论："), _("无效 — %(why)s", why=claim_words.claim_line(status)))
        return EXIT_NOT_VALID
    if typed_name is not None:
        same = (
            full_name is not None
            and name_problem(typed_name) is None
            and hmac.compare_digest(normalise_name(typed_name).encode(), normalise_name(full_name).encode())
        )
        if not same:
            _line(_("姓名核对："), _("不一致 — 登记的持证人不是您输入的姓名"))
            _line(_("结论："), _("无效 — 证书不属于您输入的姓名"))
            return EXIT_NOT_VALID
        _line(_("姓名核对："), _("与登记一致"))
    verdict = verdict_for(certificate)
    _line(_("结论："), f"{verdict_words.status_word(verdict.status)} — {verdict_words.sentence(verdict)}")
    for line in verdict_words.use_copy_lines(certificate):
        click.echo(f"    {line}")
    return EXIT[verdict.status]


def _site(text: str, keyset: KeySet, any_host: bool) -> tuple[Literal["ok", "foreign", "unchecked"], str, str | None]:
    """("ok" | "foreign" | "unchecked", the line to print, the official base URL to point to or None)."""
    bases = keyset.verify_base_urls
    origin = url_origin(text)
    official = official_base_for(text, bases) if bases else None
    if official is not None:
        return "ok", _("官方网址 — %(site)s", site=official), official
    sites = " / ".join(bases)
    first = bases[0] if bases else None
    if not origin:
        if text.strip().startswith("/"):  # "/v/<token>?c=…": nothing to open, nothing to check
            return "ok", _("无 — 文本中没有网址主机，只核验签名"), first
        origin = text.strip().split("/", 1)[0]  # "evil.example/v/…": a browser may still open it
    shown = _safe(origin)
    if bases:
        line = _(
            "无效 — 二维码指向的网址 %(shown)s 不是发证机关的官方网址 %(sites)s：请勿相信", shown=shown, sites=sites
        )
        return "foreign", line, first
    if any_host:
        line = _("未核验（--any-host）— 密钥集未公布官方网址，请自行确认 %(shown)s 是发证机关的网站", shown=shown)
        return "ok", line, None
    line = _(
        "无法核验 — 密钥集未公布发证机关的官方网址（verify_base_urls），无法核对二维码指向的 %(shown)s；"
        "请从发证机关官网重新获取密钥集，或使用 --any-host 自担风险",
        shown=shown,
    )
    return "unchecked", line, None


def _print_claim(result: Verification, token: str, *, verified: bool) -> None:
    claim = result.claim
    if claim is None:
        _line(_("令牌："), _safe(token))
        return
    mark = "" if verified else "  " + _("[未经验证]")
    rows = (
        (_("证书编号："), claim.number),
        (_("姓名："), claim.masked_name),
        (_("资格名称："), claim.qualification),
        (_("取得资格时间："), claim.grant_date.isoformat()),
        (_("版本："), str(claim.version)),
        (_("令牌："), claim.token),
        (_("密钥："), claim.kid),
        (_("签发日期："), claim.issue_date.isoformat()),
    )
    for label, value in rows:
        _line(label, f"{value}{mark}")


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
    raise _Usage(_("%(source)r 既不是二维码文本（网址），也不是可读取的图片文件", source=source))


def _decode_image(path: Path) -> str:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    raise _Usage(
                        _("%(path)s：图片太大（%(w)sx%(h)s 像素）", path=path, w=opened.width, h=opened.height)
                    )
                image = opened.convert("RGB")
    except _Usage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _Usage(_("%(path)s：不是可读取的图片（%(why)s）", path=path, why=exc)) from None
    texts = _zxing(image) or _zbar(image)
    if not texts:
        raise _Usage(_("%(path)s：图片中没有找到二维码", path=path))
    # Prefer a code that carries a claim (a page may hold other codes).
    return next((t for t in texts if split_url(t)[1] is not None), texts[0])


def _zxing(image) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        import zxingcpp
    except ImportError:
        return []
    try:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    except Exception:
        return []
    return [barcode.text for barcode in found if barcode.valid and barcode.text]


def _zbar(image) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError):  # OSError: libzbar0 missing
        return []
    try:
        found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    except Exception:
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
        raise _Usage(_("本实例尚未公布二维码密钥集（%(file)s）；请使用 --keys FILE", file=keys_file))
    try:
        return with_own_base_url(load_keyset(keys_file), settings.public_url), str(keys_file)
    except KeySetError as exc:
        raise _Usage(str(exc)) from None
