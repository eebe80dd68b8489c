"""Every message in the code and templates has its English in the catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ecert", "issuer", "verifier", "legacy_import")
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_n": (1, 2), "_l": None, "lazy_gettext": None}


def _messages_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in PACKAGES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {}}
        ):
            for msgid in message if isinstance(message, tuple) else (message,):
                if msgid:
                    found.setdefault(msgid, f"{package}/{filename}:{lineno}")
    return found


def _catalogue(locale: str) -> dict[str, object]:
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {message.id if isinstance(message.id, str) else message.id[0]: message for message in catalog if message.id}


def test_every_message_of_the_code_has_english():
    english = _catalogue("en")
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in _messages_in_source().items()
        if msgid not in english or not english[msgid].string or english[msgid].fuzzy  # type: ignore[attr-defined]
    ]
    assert not missing, "messages without English (run scripts/translations.py):\n" + "\n".join(missing)


def test_the_chinese_catalogue_knows_every_message():
    chinese = _catalogue("zh_CN")
    missing = [msgid for msgid in _messages_in_source() if msgid not in chinese]
    assert not missing, "run `make translations`:\n" + "\n".join(missing)
