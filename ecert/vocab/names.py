"""The one rule for holders' names: as stored by the issuer, as typed by a verifier.

``normalise_name`` is applied when a decision is read (``issuer.decisions``) and to the
name typed at ``/lookup`` and in the API, so both sides compare the same text; ``check_name``
says what is refused, on every path alike (``docs/decisions-csv.md``):

- Unicode NFC, so a name composed on one keyboard equals the same name decomposed on
  another (this also turns U+0387 GREEK ANO TELEIA into U+00B7);
- CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F) made the unified ideograph
  they stand for: NFC already does it for every one of them, and NFKC, applied to these
  blocks and to the Kangxi and CJK radicals (U+2E80–U+2FDF, which PDFs put in copied text:
  ⽣ U+2F63 for 生) but never to the whole name, keeps it so whatever the Unicode version;
- surrounding white space removed, inner runs of ASCII spaces made one space;
- every middle dot people type for the 间隔号 of names such as 阿依古丽·买买提 made
  U+00B7 MIDDLE DOT, the dot of GB/T 15834 (``NAME_DOTS`` says which and why).

Refused (``check_name``): control characters (``ecert.vocab.cells``), invisible format
characters (zero-width spaces and joiners, word joiner, BOM, soft hyphen…), any white space
inside a name with a Chinese character and any but the ASCII space in other names, digits,
private-use characters, other symbols, and a word that mixes scripts (a Cyrillic А in
"Аnna"). Characters that cannot be seen are named by code point, never echoed.

Periods, full stops and circles are not folded: they are not the 间隔号 and no input
method offers them for it, so a name holding one stays as typed (and does not match).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from ecert.vocab.cells import code_points, control_characters
from ecert.vocab.problem import Problem
from ecert.vocab.titles import HAN

NAME_DOT = "\u00b7"  # MIDDLE DOT: the 间隔号 (GB/T 15834), as names are stored

# What Chinese, Japanese and Korean input methods, fonts' symbol pickers and copy-paste
# from Word, PDFs and web pages produce in place of U+00B7 between the parts of a name.
NAME_DOTS = (
    "\u0387"  # GREEK ANO TELEIA (NFC makes it U+00B7; listed for callers that skip NFC)
    "\u1427"  # CANADIAN SYLLABICS FINAL MIDDLE DOT
    "\u16eb"  # RUNIC SINGLE PUNCTUATION
    "\u2022"  # BULLET: Word's and many IMEs' "dot"
    "\u2024"  # ONE DOT LEADER
    "\u2027"  # HYPHENATION POINT: Big5 input (Taiwan) maps the 間隔號 here
    "\u2219"  # BULLET OPERATOR
    "\u22c5"  # DOT OPERATOR
    "\u2981"  # Z NOTATION SPOT: a maths font's "middle dot"
    "\u2e31"  # WORD SEPARATOR MIDDLE DOT
    "\u2e33"  # RAISED DOT
    "\u30fb"  # KATAKANA MIDDLE DOT: full-width dot of Japanese and some Chinese IMEs
    "\u318d"  # HANGUL LETTER ARAEA: the Korean IME's middle dot
    "\ua78f"  # LATIN LETTER SINOLOGICAL DOT
    "\uff65"  # HALFWIDTH KATAKANA MIDDLE DOT
    "\U00010101"  # AEGEAN WORD SEPARATOR DOT
)
_FOLD_DOTS = dict.fromkeys(map(ord, NAME_DOTS), NAME_DOT)
# Where a character stands for a unified ideograph by compatibility (NFKC), per code point.
COMPATIBILITY_IDEOGRAPHS = ((0x2E80, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_COMPATIBILITY = re.compile("|".join(f"[{chr(low)}-{chr(high)}]" for low, high in COMPATIBILITY_IDEOGRAPHS))
# White space, zero-width spaces and BOMs around a value are dropped, as for every CSV cell.
_EDGES = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_SPACES = re.compile(" {2,}")
_HAN_CHAR = re.compile(f"[{HAN}]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
_WORD_BREAKS = re.compile(f"[ {NAME_DOT}]")


def normalise_name(text: str) -> str:
    """``text`` as names are stored and compared: trimmed, NFC, unified ideographs, one
    space between words, one middle dot. What ``check_name`` refuses is left in place."""
    composed = unicodedata.normalize("NFC", _EDGES.sub("", text))
    unified = _COMPATIBILITY.sub(lambda match: unicodedata.normalize("NFKC", match.group()), composed)
    return _SPACES.sub(" ", unified.translate(_FOLD_DOTS))


def name_problem(text: str) -> Problem | None:
    """``check_name`` of ``text`` as typed (a form field, an API parameter)."""
    return check_name(normalise_name(text))


def check_name(name: str) -> Problem | None:
    """What is wrong with a normalised, non-empty name, or None."""
    controls = control_characters(name)
    if controls:
        return Problem("text.control", {"chars": code_points(controls)})
    invisible = [char for char in name if unicodedata.category(char) == "Cf"]
    if invisible:
        return Problem("name.invisible", {"chars": code_points(invisible)})
    chinese = bool(_HAN_CHAR.search(name))
    spaces = [char for char in name if _is_space(char) and (chinese or char != " ")]
    if spaces:
        return Problem("name.whitespace", {"chars": code_points(spaces)})
    if any(char.isdigit() for char in name):
        return Problem("name.digits")
    private = _PRIVATE_USE.search(name)
    if private:
        # Some old systems put rare characters in the private-use area: they print as
        # something else (or nothing) on every other machine.
        return Problem("name.private_use", {"code_point": f"{ord(private.group()):04X}"})
    bad = sorted({char for char in name if not _allowed_in_name(char)})
    if bad:
        return Problem("name.characters", {"chars": " ".join(map(_shown_char, bad))})
    if not any(char.isalpha() or _HAN_CHAR.match(char) for char in name):
        return Problem("name.no_letter")
    return _mixed_scripts(name)


def _is_space(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Zs", "Zl", "Zp")


def _allowed_in_name(char: str) -> bool:
    # Han ranges are matched explicitly: characters newer than this Python's Unicode
    # tables (Extension H and later) are not isalpha() yet, but they are real names.
    return bool(_HAN_CHAR.match(char)) or char.isalpha() or char in "\u00b7 "


def _shown_char(char: str) -> str:
    visible = char.isprintable() and not unicodedata.category(char).startswith("M")
    return char if visible else f"U+{ord(char):04X}"


def script_of(char: str) -> str:
    """The script of a letter as its Unicode name begins: LATIN, CYRILLIC, GREEK…"""
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def _mixed_scripts(name: str) -> Problem | None:
    # Look-alike letters of another script inside one word (a Cyrillic А in "Аnna") make
    # a name that reads the same and compares different: one word, one script.
    for word in _WORD_BREAKS.split(name):
        letters = [char for char in word if char.isalpha() and not _HAN_CHAR.match(char)]
        scripts = Counter(map(script_of, letters))
        if len(scripts) > 1:
            main = scripts.most_common(1)[0][0]
            odd = dict.fromkeys(char for char in letters if script_of(char) != main)
            chars = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, '')}" for char in odd)
            return Problem("name.mixed_scripts", {"word": word, "chars": chars})
    return None
