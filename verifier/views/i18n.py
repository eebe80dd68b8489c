"""Two languages for public pages: Simplified Chinese (default) and English.

A plain dictionary instead of gettext/Flask-Babel: the public pages have a few dozen
strings, and the verdict words live in ``verifier.verdict``. The language comes from
``?lang=`` (the switch link on every page), then the ``lang`` cookie that link sets, and
is otherwise ``zh-CN``: most visitors scan from WeChat, and Accept-Language of a
Chinese phone set to English should not turn an official Chinese page English unasked.

``install(app)`` makes ``ui_lang``, ``t`` and ``lang_switch_url`` available to every
template (the base template and other features' pages use them too).
"""

from __future__ import annotations

from typing import Any, Final

from flask import Flask, Response, request, url_for
from werkzeug.routing import BuildError

from ecert.qr_claim import MAX_CLAIM_CHARS

ZH: Final = "zh-CN"
EN: Final = "en"
LANGUAGES: Final = (ZH, EN)
COOKIE: Final = "lang"
_COOKIE_MAX_AGE = 365 * 24 * 3600

_ALIASES = {"zh": ZH, "zh-cn": ZH, "zh-hans": ZH, "cn": ZH, "en": EN, "en-us": EN, "en-gb": EN}

# key: (Chinese, English)
STRINGS: Final[dict[str, tuple[str, str]]] = {
    "site_title": ("职称电子证书", "Electronic professional-title certificates"),
    "verify_title": ("证书查验", "Certificate check"),
    "lookup_title": ("按证书编号查验", "Check by certificate number"),
    "lookup_intro": (
        "请输入纸质件或打印件上的证书编号，以及持证人的完整姓名。",
        "Enter the certificate number from the paper or printout and the holder's full name.",
    ),
    "field_number": ("证书编号", "Certificate number"),
    "field_number_hint": ("形如 ZC500111-2026-000123-Y", "Like ZC500111-2026-000123-Y"),
    "field_name": ("持证人姓名", "Holder's full name"),
    "field_name_hint": ("须与证书上的姓名完全一致", "Exactly as printed on the certificate"),
    "submit": ("查验", "Check"),
    "required": ("请填写此项", "This field is required"),
    "too_long": ("内容过长", "Too long"),
    "form_expired": (
        "表单已过期或来源无法确认，请重新填写并提交。",
        "The form expired or its origin could not be confirmed: please fill it in and submit again.",
    ),
    "holder": ("持证人", "Holder"),
    "qualification": ("资格名称", "Qualification"),
    "level": ("层级", "Level"),
    "series_specialty": ("系列 / 专业", "Series / specialty"),
    "grant_date": ("取得资格时间", "Granted on"),
    "issuing_office": ("发证机关", "Issuing office"),
    "number": ("证书编号", "Certificate number"),
    "version": ("版本", "Version"),
    "version_value": ("第 {n} 版", "version {n}"),
    "revoked_at": ("撤销日期", "Revoked on"),
    "revocation_reason": ("撤销原因", "Reason"),
    "revocation_doc_no": ("撤销文号", "Decision no."),
    "current_version_link": ("查看当前有效版本（第 {n} 版）", "See the current version (version {n})"),
    "privacy_note": (
        "为保护个人信息，姓名已部分隐去；本页不显示身份证号码、出生日期和照片。",
        "To protect personal data the name is partly hidden; this page never shows ID numbers, "
        "birth dates or photos.",
    ),
    "authority_note": (
        "查验结果以发证机关登记库的当前记录为准。",
        "The result is the issuing office's registry record as of now.",
    ),
    "checked_at": ("查验时间", "Checked at"),
    "other_checks": ("其他查验方式", "Other ways to check"),
    "link_lookup": ("按证书编号和姓名查验", "Check by number and name"),
    "link_upload": ("上传 PDF 证书文件查验", "Check a certificate PDF file"),
    "link_home": ("返回首页", "Home"),
    "too_many_title": ("查询过于频繁", "Too many requests"),
    "too_many_text": (
        "为防止批量查询，每个网络地址的查验次数有限制。请稍候一分钟后再试。",
        "To prevent bulk queries, checks per network address are limited. Please wait a minute "
        "and try again.",
    ),
    "home_intro": (
        "本服务签发、查验专业技术人员职称电子证书。扫描证书上的二维码即可查验证书当前状态。",
        "This service issues and verifies electronic professional-title certificates. Scan the QR "
        "code on a certificate to see its current status.",
    ),
    "home_scan": ("扫描二维码", "Scan the QR code"),
    "home_scan_text": (
        "用手机相机或微信“扫一扫”扫描证书右下角的二维码，打开的页面即显示查验结果。",
        "Scan the code on the certificate with a phone camera or WeChat; the page that opens shows the result.",
    ),
    "home_api": ("用人单位接口", "API for employers"),
    "home_api_text": (
        "人事系统可通过 JSON 接口单个或批量查验（每次最多 100 个）。",
        "HR systems can check single certificates or batches of up to 100 through the JSON API.",
    ),
    "api_doc": ("接口说明（OpenAPI）", "API description (OpenAPI)"),
    "switch_to": ("English", "中文"),
}


def normalise(value: str | None) -> str | None:
    """A supported language for ``value`` (``en``, ``zh``, ``zh-CN`` ...), else None."""
    if not value:
        return None
    return _ALIASES.get(value.strip().lower()[:16])


def current_lang() -> str:
    return normalise(request.args.get("lang")) or normalise(request.cookies.get(COOKIE)) or ZH


def text(key: str, lang: str, **values: Any) -> str:
    zh, en = STRINGS[key]
    chosen = en if lang == EN else zh
    return chosen.format(**values) if values else chosen


def pick(lang: str, zh: str, en: str) -> str:
    return en if lang == EN else zh


# Query arguments the switch link keeps, each with the longest value worth keeping: the
# page must not echo what a visitor (or an attacker's link) put in the URL at any length.
KEPT_ARGS: Final[dict[str, int]] = {"c": MAX_CLAIM_CHARS}  # the QR claim
MAX_PATH_ARG: Final = 128  # longer path parts (a junk /v/<token>) are not echoed either


def switch_url(lang: str) -> str:
    """This page in the other language, keeping its QR claim ``c`` (when it could be one).

    Bounded: other query arguments, a ``c`` longer than any claim and over-long path parts
    are dropped, so a huge URL does not make a huge page."""
    other = "zh" if lang == EN else "en"
    args: dict[str, Any] = {key: value for key, value in request.args.items() if len(value) <= KEPT_ARGS.get(key, -1)}
    args["lang"] = other
    view_args = request.view_args or {}
    if request.endpoint and request.url_rule is not None and request.method == "GET":
        if all(len(str(value)) <= MAX_PATH_ARG for value in view_args.values()):
            return url_for(request.endpoint, **{**args, **view_args})
        try:  # the endpoint's own default for the junk part (/v/ for /v/<token>), else home
            return url_for(request.endpoint, **args)
        except BuildError:
            return f"/?lang={other}"
    # A POSTed form (lookup result) or an error page without a route: the page's own path.
    if request.endpoint:
        try:
            return url_for(request.endpoint, lang=other)
        except BuildError:
            pass
    return f"{request.path}?lang={other}" if len(request.path) <= MAX_PATH_ARG else f"/?lang={other}"


def install(app: Flask) -> None:
    @app.context_processor
    def _i18n() -> dict[str, Any]:
        lang = current_lang()
        return {
            "ui_lang": lang,
            "t": lambda key, **values: text(key, lang, **values),
            "lang_switch_url": lambda: switch_url(lang),
        }

    @app.after_request
    def _remember(response: Response) -> Response:
        # The switch link sets the cookie so that the next page (the lookup form, a QR
        # scanned later on the same phone) stays in the chosen language.
        if request.path.startswith("/api/"):
            return response
        chosen = normalise(request.args.get("lang"))
        if chosen and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=_COOKIE_MAX_AGE, samesite="Lax", httponly=True)
        if chosen or COOKIE in request.cookies:
            response.vary.add("Cookie")
        return response
