"""On PostgreSQL, where rows are really locked: a holder's application moves once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ecert.kernel import kernel
from legacy_import import IllegalTransition, applications
from tests.functional.test_paper_applications import ID_A, LOST_CLAIM, events, holder, png, row, send, start

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def a(app, issuance):  # type: ignore[no-untyped-def]
    return holder(app, issuance, "王丽", ID_A, "13800138001")


def test_two_submissions_at_once_submit_once(app, a) -> None:  # type: ignore[no-untyped-def]
    """A double click, or two tabs: the row is locked while it moves, so one wins."""
    application_id = start(a, "lost")
    assert send(a, application_id, "upload", png(), kind="archive_letter", **LOST_CLAIM).status_code == 302
    account_id = row(app, application_id).account_id
    k = kernel(app)

    def submit_once() -> str:
        try:
            applications.submit(
                k.db, account_id=account_id, application_id=application_id, action="submit", typed=None,
                commitment=applications.COMMITMENT_TEXT, now=k.clock(), today=k.clock().date(),
            )  # fmt: skip
        except IllegalTransition:
            return "refused"
        return "submitted"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(lambda _: submit_once(), range(4)))
    assert outcomes == ["refused", "refused", "refused", "submitted"]
    assert [e.action for e in events(app, application_id)].count("legacy.submitted") == 1
