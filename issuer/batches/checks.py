"""The row checks of a large file, spread over processes: the same checks and the same row
errors as ``issuer.services.checking.check_rows``, in less wall time.

Whether a row prints (fonts, fitting, QR code: ``preflight.print_problems``) depends on the
row alone and costs tens of milliseconds, so for 100,000 rows it is most of what the command
does before any worker starts. Those checks run in ``workers`` processes, in chunks, each
process with its own renderer and claim signer; what depends on other rows and on the
registry (``identity.split_bound``) then runs here, on the rows that print, as
``check_rows`` does.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from ecert.settings import Settings
from issuer.decisions import Decision, ParsedDecisions, RowError
from issuer.services.identity import split_bound
from issuer.services.pipeline import Issuance

CHUNK = 50  # rows per task: a few seconds of work, so the processes stay evenly busy
_process: dict[str, Issuance] = {}


def worth_spreading(rows: int, workers: int) -> bool:
    """Each process takes seconds to start (fonts): only for files of a few chunks each."""
    return workers > 1 and rows >= 2 * workers * CHUNK


def check_rows_in_parallel(
    issuance: Issuance, parsed: ParsedDecisions, *, workers: int, chunk: int = CHUNK
) -> tuple[list[Decision], list[RowError]]:
    """``check_rows(issuance, parsed)``, its print checks in ``workers`` processes."""
    decisions = parsed.decisions
    chunks = [decisions[start : start + chunk] for start in range(0, len(decisions), chunk)]
    printable: list[Decision] = []
    unprintable: list[RowError] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(issuance.settings,)
    ) as pool:
        for kept, errors in pool.map(_check_chunk, chunks):  # in order: the rows stay in file order
            printable.extend(kept)
            unprintable.extend(errors)
    kept, bound = split_bound(issuance.db, printable)
    return kept, sorted(parsed.errors + unprintable + bound, key=lambda error: error.row)


def _start(settings: Settings) -> None:
    from ecert.db import connect
    from ecert.kernel import Kernel
    from ecert.storage import FileBlobStore
    from issuer.runtime import IssuerRuntime

    # The print checks read no database: the connection is never opened.
    kernel = Kernel(settings=settings, db=connect(settings.database_url), store=FileBlobStore(settings.blob_dir))
    _process["issuance"] = IssuerRuntime(kernel).issuance()


def _check_chunk(decisions: list[Decision]) -> tuple[list[Decision], list[RowError]]:
    from issuer.services.preflight import split_printable

    return split_printable(_process["issuance"], decisions)
