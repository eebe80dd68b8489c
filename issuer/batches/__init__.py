"""Batches: a decisions file's rows as queued work, done by worker processes on any machine.

``ecert issue FILE.csv`` checks every row as before (``issuer.services.checking``), then
records the run as a ``Batch`` with one ``BatchItem`` per row, in one transaction: the rows
are the queue, in the same database as the registry, so a crash between "queued" and
"issued" loses nothing. Workers (``worker``) take pending rows one at a time and issue each
with the service a single row always used (``issuer.services.issuance.issue_with_photo``);
the row is marked done inside the transaction that completes its certificate, so it is
never both issued and still to do. A worker killed after reserving leaves the certificate
``pending`` with its number and token; its row goes back to pending (``store.requeue``:
at once when the worker is known dead, after ``store.LEASE`` otherwise) and the next worker
completes that same reservation.

Modules: ``items`` (a row as stored: the decision, a failure's reason), ``store`` (batch
and item rows: create, claim, finish, count), ``tasks`` (the task function: one row),
``worker`` (the loop a worker process runs), ``local`` (worker processes started by
``ecert issue`` itself), ``follow`` (the finished rows in row order, for the command's
output). Which engine hands out the rows is ``ECERT_QUEUE`` (``local``: the workers poll
the items table).

Exceptions: ``BatchError`` (base, an ``IssuerError``).
"""

from issuer import IssuerError


class BatchError(IssuerError):
    """A batch cannot be created or worked on (``code`` and ``params`` for the edge's words)."""

    def __init__(self, code: str, **params: str | int) -> None:
        super().__init__(f"{code}: {params}")
        self.code, self.params = code, params
