import pytest

from legacy_import import IllegalTransition
from legacy_import import workflow as wf


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (wf.DRAFT, wf.SUBMIT, wf.SUBMITTED),
        (wf.RETURNED, wf.RESUBMIT, wf.SUBMITTED),
        (wf.SUBMITTED, wf.RECOMMEND, wf.RECOMMENDED),
        (wf.SUBMITTED, wf.RETURN, wf.RETURNED),
        (wf.RECOMMENDED, wf.APPROVE, wf.APPROVING),
        (wf.APPROVING, wf.APPROVE, wf.APPROVED),
        (wf.RECOMMENDED, wf.REJECT, wf.REJECTED),
        (wf.SUBMITTED, wf.WITHDRAW, wf.WITHDRAWN),
    ],
)
def test_allowed_transitions(status: str, action: str, expected: str) -> None:
    assert wf.next_status(status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (wf.DRAFT, wf.APPROVE),  # nothing skips review
        (wf.SUBMITTED, wf.APPROVE),  # nor the reviewer's recommendation
        (wf.DRAFT, wf.RESUBMIT),
        (wf.RETURNED, wf.RECOMMEND),  # staff wait for the holder's answer
        (wf.RECOMMENDED, wf.WITHDRAW),  # once recommended the holder waits for the approver
        # While the certificate is signed nobody returns or rejects what is being signed.
        (wf.APPROVING, wf.RETURN),
        (wf.APPROVING, wf.REJECT),
        (wf.APPROVING, wf.WITHDRAW),
        *[(final, action) for final in wf.FINAL for action in (wf.SUBMIT, wf.RETURN, wf.APPROVE, wf.WITHDRAW)],
    ],
)
def test_illegal_transitions_are_refused(status: str, action: str) -> None:
    with pytest.raises(IllegalTransition):
        wf.next_status(status, action)


def test_each_actor_sees_only_its_own_buttons() -> None:
    assert wf.actions_from(wf.SUBMITTED, wf.REVIEWER) == (wf.RECOMMEND, wf.RETURN, wf.REJECT)
    assert wf.actions_from(wf.SUBMITTED, wf.APPROVER) == ()
    assert wf.actions_from(wf.RECOMMENDED, wf.APPROVER) == (wf.APPROVE, wf.RETURN, wf.REJECT)
    assert wf.actions_from(wf.RETURNED, wf.HOLDER) == (wf.RESUBMIT, wf.WITHDRAW)
