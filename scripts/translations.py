"""Extract the messages, merge them into the catalogues and fill in English translations.

    .venv/bin/python scripts/translations.py [ENGLISH.json ...]

Each JSON file maps a Chinese message (the msgid, as written in the code) to its English.
Runs under a file lock, so that two people updating the catalogues at once lose nothing.
Prints the messages that still have no English; exit status 1 when there are any.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
BIN = Path(sys.executable).parent


def main(argv: list[str]) -> int:
    english: dict[str, str] = {}
    for name in argv:
        english.update(json.loads(Path(name).read_text(encoding="utf-8")))
    with (TRANSLATIONS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["make", "-s", "translations"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        po_path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale="en")
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.id in english:
                message.string = english[message.id]
                message.flags.discard("fuzzy")
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print(f"no English: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
