"""Files this process has already checked in full: the verdict on their bytes, kept.

Most uploads are the holder's own file, sent to one employer after another, byte for byte
the file we issued. What the sandbox decides about a file (``is_pdf``, ``signature_intact``,
``trusted_signer``, ``coverage``) depends only on its bytes, the pinned roots and the
office's names: the signature is validated at its own timestamp, with the validation data
in the file. So once a file the registry knows by its hash has passed all four, the next
upload of the same bytes reuses those four checks and skips the sandbox (~50 ms to fork,
~100 ms to validate); its registry status (``registry_status``: revoked since? corrected
since?) is read afresh every time.

Only passes are kept, only for files whose hash the registry holds, and only for the
checks the web and the API ask (no AdES-LTA at a chosen moment, no extra CRLs: those
depend on more than the bytes). Kept per process, bounded; a process that starts again
checks each file in full once more.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from asn1crypto import x509 as asn1_x509

from verifier.pdf.report import Check

FILE_CHECKS = ("is_pdf", "signature_intact", "trusted_signer", "coverage")
LIMIT = 20_000  # entries (a few hundred bytes each)


class KnownFiles:
    """A bounded, thread-safe map from (file, roots, office names) to its passed file checks."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._entries: OrderedDict[tuple[str, str, tuple[str, ...]], tuple[Check, ...]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(
        sha256: str, trust_roots: Sequence[asn1_x509.Certificate], office_names: Sequence[str]
    ) -> tuple[str, str, tuple[str, ...]]:
        roots = hashlib.sha256(b"".join(root.dump() for root in trust_roots)).hexdigest()
        return sha256, roots, tuple(office_names)

    def get(self, key: tuple[str, str, tuple[str, ...]]) -> tuple[Check, ...] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def remember(self, key: tuple[str, str, tuple[str, ...]], checks: dict[str, Check]) -> None:
        """Keep the file checks of a file that passed every one of them; anything else is not kept."""
        kept = tuple(checks[code] for code in FILE_CHECKS if code in checks)
        if len(kept) != len(FILE_CHECKS) or not all(check.passed is True for check in kept):
            return
        with self._lock:
            self._entries[key] = kept
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


known_files = KnownFiles()
