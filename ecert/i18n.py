"""Languages: Simplified Chinese first, English on request, through Flask-Babel catalogues.

Messages are written in Chinese in the code and templates (``_("证书编号")``); the
catalogues in ``translations/`` give their English (``en``), and the Chinese catalogue
(``zh_CN``) is the source itself. ``make translations`` extracts and updates them; the set-up
compiles them; ``tests/unit/test_catalogues.py`` fails when a message has no English.

Which language:
- a web request: ``?lang=`` (the switch link on every page), then the ``lang`` cookie that
  link sets, otherwise Chinese. Most visitors scan from WeChat, and the Accept-Language of a
  Chinese phone set to English should not turn an official Chinese page English unasked.
- a command: ``ecert --lang en``, then ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` when they
  name English, otherwise Chinese (operators are Chinese staff).

Pure functions never translate: they return codes and parameters, and the edges (pages,
API, commands) turn those into words with the functions here.
"""

from __future__ import annotations

import functools
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import click
import flask_babel
from babel import Locale
from babel import dates as babel_dates
from flask import Flask, Response, has_request_context, request, url_for
from flask_babel import Babel, force_locale, gettext, lazy_gettext, ngettext
from jinja2.ext import _make_new_gettext, _make_new_ngettext  # the newstyle wrappers Flask-Babel installs
from werkzeug.routing import BuildError

from ecert.clock import OFFICE_TZ
from ecert.qr_claim import MAX_CLAIM_CHARS

__all__ = [
    "EN",
    "ZH",
    "_",
    "_l",
    "current_lang",
    "force_locale",
    "format_date",
    "format_datetime",
    "gettext",
    "init_i18n",
    "lazy_gettext",
    "ngettext",
]

ZH: Final = "zh-CN"  # what pages put in <html lang>; Babel's locale is zh_CN
EN: Final = "en"
LANGUAGES: Final = (ZH, EN)
COOKIE: Final = "lang"
CLI_META_KEY: Final = "ecert.lang"
TRANSLATIONS_DIR: Final = Path(__file__).resolve().parent.parent / "translations"
_COOKIE_MAX_AGE = 365 * 24 * 3600
_BABEL_LOCALE = {ZH: "zh_CN", EN: "en"}
_ALIASES = {"zh": ZH, "zh-cn": ZH, "zh_cn": ZH, "zh-hans": ZH, "cn": ZH, "en": EN, "en-us": EN, "en-gb": EN}

# Query arguments the switch link keeps, each with the longest value worth keeping: a page
# must not echo what a visitor (or an attacker's link) put in the URL at any length.
KEPT_ARGS: Final[dict[str, int]] = {"c": MAX_CLAIM_CHARS}  # the QR claim
MAX_PATH_ARG: Final = 128  # longer path parts (a junk /v/<token>) are not echoed either

_ = gettext
_l = lazy_gettext


def _bound_gettext() -> dict[str, Any]:
    """The templates' ``_``/``gettext``/``ngettext`` bound to this render's catalogue.

    Flask-Babel's own template callables find the locale and its catalogue again for every
    message (several context lookups each); a page of thirty messages spent more time on
    that than on the database. Jinja's i18n extension looks these names up in the render's
    context first, so one lookup per render suffices. Jinja's own newstyle wrappers keep
    autoescaping and ``%(name)s`` formatting exactly as before."""
    translations = flask_babel.get_translations()
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
    }


def normalise(value: str | None) -> str | None:
    """A supported language for ``value`` (``en``, ``zh``, ``zh-CN``, ``en_US.UTF-8`` ...), else None."""
    if not value:
        return None
    value = value.strip().lower()[:16].split(".")[0]
    return _ALIASES.get(value) or _ALIASES.get(value.replace("_", "-"))


def request_lang() -> str:
    return normalise(request.args.get("lang")) or normalise(request.cookies.get(COOKIE)) or ZH


def command_lang() -> str:
    """The language of a command: ``--lang``, then the locale variables when they say English."""
    context = click.get_current_context(silent=True)
    chosen = normalise(context.meta.get(CLI_META_KEY)) if context is not None else None
    if chosen:
        return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:  # the first one set decides, as in POSIX
            return EN if (normalise(value) == EN or value.lower().startswith("en")) else ZH
    return ZH


def current_lang() -> str:
    """``zh-CN`` or ``en`` for this request or command."""
    locale = flask_babel.get_locale()
    if locale is None:
        return ZH
    return EN if locale.language == "en" else ZH


def _select_locale() -> str:
    return _BABEL_LOCALE[request_lang() if has_request_context() else command_lang()]


def format_date(day: date | datetime) -> str:
    """2026年12月2日 on Chinese pages, December 2, 2026 on English ones; a moment is shown as the office's day."""
    if isinstance(day, datetime):
        day = _office_time(day).date()
    return _long_date(day, flask_babel.get_locale())


def format_datetime(moment: datetime) -> str:
    """A moment in the office's time zone, e.g. 2026年12月2日 18:03 / December 2, 2026 18:03."""
    local = _office_time(moment)
    return f"{_long_date(local.date(), flask_babel.get_locale())} {local:%H:%M}"


@functools.lru_cache(maxsize=4096)
def _long_date(day: date, locale: Locale | None) -> str:
    # Babel's formatting costs a tenth of a millisecond a date, and every page shows two or
    # three; a few thousand days in two languages cover what pages show. No locale (no app
    # context): Babel's default, as Flask-Babel's own formatter does then.
    return babel_dates.format_date(day, format="long", locale=locale or babel_dates.LC_TIME)


def _office_time(moment: datetime) -> datetime:
    # Every stored moment is aware (UTCDateTime); a naive one would be read as the host's zone.
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: moments are stored with their time zone")
    return moment.astimezone(OFFICE_TZ)


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


def init_i18n(app: Flask) -> None:
    Babel(
        app,
        locale_selector=_select_locale,
        default_locale="zh_CN",
        default_timezone=str(OFFICE_TZ),
        default_translation_directories=str(TRANSLATIONS_DIR),
    )

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on ``g``; an app context that outlives one request
        # (tests, a worker's own context) must not carry one request's language into the next.
        flask_babel.refresh()

    @app.context_processor
    def _i18n_context() -> dict[str, Any]:
        lang = current_lang()
        return {
            **_bound_gettext(),
            "ui_lang": lang,
            "lang_switch_url": lambda: switch_url(lang) if has_request_context() else "/",
            "format_date": format_date,
            "format_datetime": format_datetime,
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
