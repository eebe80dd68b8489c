"""The one rule for comparing holders' names: as stored by the issuer, as typed by a verifier.

``normalise_name`` is applied when a decision is read (``issuer.decisions``) and to the
name typed at ``/lookup`` and in the API, so both sides compare the same text:

- Unicode NFC, so a name composed on one keyboard equals the same name decomposed on
  another (this also turns U+0387 GREEK ANO TELEIA into U+00B7);
- surrounding white space removed, inner runs of white space made one space;
- every middle dot people type for the 间隔号 of names such as 阿依古丽·买买提 made
  U+00B7 MIDDLE DOT, the dot of GB/T 15834 (``NAME_DOTS`` says which and why).

Periods, full stops and circles are not folded: they are not the 间隔号 and no input
method offers them for it, so a name holding one stays as typed (and does not match).
"""

from __future__ import annotations

import re
import unicodedata

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
    "\u2e31"  # WORD SEPARATOR MIDDLE DOT
    "\u30fb"  # KATAKANA MIDDLE DOT: full-width dot of Japanese and some Chinese IMEs
    "\u318d"  # HANGUL LETTER ARAEA: the Korean IME's middle dot
    "\ua78f"  # LATIN LETTER SINOLOGICAL DOT
    "\uff65"  # HALFWIDTH KATAKANA MIDDLE DOT
    "\U00010101"  # AEGEAN WORD SEPARATOR DOT
)
_FOLD_DOTS = dict.fromkeys(map(ord, NAME_DOTS), NAME_DOT)
_SPACES = re.compile(r"\s+")


def normalise_name(text: str) -> str:
    """``text`` as names are stored and compared: NFC, trimmed, one space, one middle dot."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_FOLD_DOTS)).strip()
