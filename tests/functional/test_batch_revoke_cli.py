"""``ecert revoke --granted-by 文号`` and ``ecert reinstate`` from the command line: without
``--confirm-by`` the preview and a non-zero exit, nothing changed; the same account twice,
a wrong TOTP code or a reviewer are refused; with both accounts' codes (read from standard
input, never an argument: first the proposer's, then the confirmer's) each listed certificate
is revoked, one event each. The proposer's code is asked for before the preview shows names;
wrong codes are audited and five in 15 minutes lock that account's codes here."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from ecert.models import Account, AuditEvent, TwoPersonAct
from issuer.cli.acts import EXIT_PREVIEW
from issuer.services import acts
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_audit_verify import invoke
from tests.functional.test_batch_revoke import GRANTED, verdict
from tests.functional.test_staff import create, now_code, secret_of

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def ecert(app, *args: str, code: str = ""):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args), input=code + "\n")


def revoke_all(app, *more: str, code: str = ""):  # type: ignore[no-untyped-def]
    base = ("revoke", "--granted-by", "渝卫职改[2025]12号", "--doc-no", "足人社发〔2026〕9号", "--reason", "fraud")
    return ecert(app, *base, "--as", "wang.approver", *more, code=code)


def code_of(issuance: Issuance, login: str, secret: str) -> str:
    """A code ``login`` may use now: its replay guard forgotten, as after waiting for the next step."""
    with issuance.db.write() as session:
        session.execute(update(Account).where(Account.login == login).values(totp_last_step=None))
    return now_code(secret)


def wrong(secret: str) -> str:
    return "000000" if now_code(secret) != "000000" else "111111"


def events(issuance: Issuance, action: str) -> int:
    with issuance.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0)


def test_the_command_line_revokes_by_doc_no_with_a_second_persons_code(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    two = issue_decision(issuance, factories.decision(name="李四"))
    other = issue_decision(issuance, factories.decision(name="赵六", doc_no="渝卫职改〔2025〕13号"))
    secret_a = secret_of(create(app, "wang.approver", "--role", "approver", "--with-totp").output)
    secret_b = secret_of(create(app, "zhao.admin", "--role", "admin", "--with-totp").output)
    create(app, "li.reviewer", "--role", "reviewer", "--with-totp")

    a = lambda: code_of(issuance, "wang.approver", secret_a)  # noqa: E731
    b = lambda: code_of(issuance, "zhao.admin", secret_b)  # noqa: E731
    shown = revoke_all(app, code=a())
    assert shown.exit_code == EXIT_PREVIEW, shown.output
    assert f"将撤销由 {GRANTED} 批准的 2 张证书" in shown.output and one.number in shown.output
    assert two.number in shown.output and other.number not in shown.output and "--confirm-by" in shown.output
    same = revoke_all(app, "--confirm-by", "wang.approver", code=a())
    assert same.exit_code == 1 and "不能自己确认" in same.output
    bad = revoke_all(app, "--confirm-by", "zhao.admin", code=f"{a()}\n{wrong(secret_b)}")
    assert bad.exit_code == 1 and "--confirm-by zhao.admin：动态验证码不正确" in bad.output
    reviewer = ecert(app, "revoke", "--granted-by", GRANTED, "--doc-no", "足人社发〔2026〕9号", "--reason", "fraud",
                     "--as", "li.reviewer")  # fmt: skip
    assert reviewer.exit_code == 1 and "无权" in reviewer.output
    assert [verdict(client, c.token) for c in (one, two)] == ["有效", "有效"]
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TwoPersonAct)) == 0

    done = revoke_all(app, "--confirm-by", "zhao.admin", code=f"{a()}\n{b()}")
    assert done.exit_code == 0, done.output
    assert f"{one.number} 已撤销" in done.output and f"{two.number} 已撤销" in done.output
    assert "由 wang.approver 提出、zhao.admin 确认" in done.output
    assert [verdict(client, c.token) for c in (one, two, other)] == ["已撤销", "已撤销", "有效"]
    assert events(issuance, "certificate.revoked") == 2 and events(issuance, "act.confirmed") == 1
    replayed = revoke_all(app, "--confirm-by", "zhao.admin", code=f"{a()}\n{b()}")
    assert replayed.exit_code == 1  # nothing valid under that 文号 any more

    back = ("reinstate", one.number, "--reason", "误撤", "--doc-no", "足人社发〔2026〕10号", "--as", "wang.approver")
    assert ecert(app, *back, code=a()).exit_code == EXIT_PREVIEW and verdict(client, one.token) == "已撤销"
    reinstated = ecert(app, *back, "--confirm-by", "zhao.admin", code=f"{a()}\n{b()}")
    assert reinstated.exit_code == 0 and f"{one.number} 已恢复效力" in reinstated.output, reinstated.output
    assert verdict(client, one.token) == "有效" and verdict(client, two.token) == "已撤销"
    verified = invoke(app, "audit", "verify")
    assert verified.exit_code == 0 and "agrees with the registry" in verified.stdout, verified.output


def test_a_single_revocation_takes_no_second_person_options(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    mixed = ecert(app, "revoke", one.number, "--granted-by", GRANTED, "--doc-no", "足人社发〔2026〕9号",
                  "--reason", "fraud", "--as", "x")  # fmt: skip
    assert mixed.exit_code == 1 and "其中之一" in mixed.output
    alone = ecert(app, "revoke", "--granted-by", GRANTED, "--doc-no", "足人社发〔2026〕9号", "--reason", "fraud")
    assert alone.exit_code == 1 and "--as" in alone.output


def test_the_proposer_proves_who_they_are_before_anything_is_shown(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    create(app, "wang.approver", "--role", "approver", "--with-totp")
    secret_b = secret_of(create(app, "zhao.admin", "--role", "admin", "--with-totp").output)
    listed = events(issuance, "console.listed")

    unproven = revoke_all(app)  # no code for --as: no names, nothing recorded in wang's name
    assert unproven.exit_code == 1 and "--as wang.approver：动态验证码不正确" in unproven.output
    assert "王小明" not in unproven.output and events(issuance, "console.listed") == listed
    # One operator who knows only zhao's code cannot name wang as the proposer.
    alone = revoke_all(app, "--confirm-by", "zhao.admin", code=now_code(secret_b))
    assert alone.exit_code == 1 and "--as wang.approver：动态验证码不正确" in alone.output
    back = ("reinstate", one.number, "--reason", "误撤", "--doc-no", "足人社发〔2026〕10号", "--as", "wang.approver")
    reinstating = ecert(app, *back, "--confirm-by", "zhao.admin", code=now_code(secret_b))
    assert reinstating.exit_code == 1 and "--as wang.approver：动态验证码不正确" in reinstating.output
    assert verdict(client, one.token) == "有效" and events(issuance, "console.listed") == listed
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TwoPersonAct)) == 0


def test_wrong_codes_are_audited_and_five_lock_the_account(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    secret_a = secret_of(create(app, "wang.approver", "--role", "approver", "--with-totp").output)
    secret_b = secret_of(create(app, "zhao.admin", "--role", "admin", "--with-totp").output)
    zhao = f"account:{acts.staff_id(issuance.db, 'zhao.admin')}"
    for _attempt in range(5):
        guessed = revoke_all(
            app, "--confirm-by", "zhao.admin", code=f"{code_of(issuance, 'wang.approver', secret_a)}\n{wrong(secret_b)}"
        )
        assert guessed.exit_code == 1 and "--confirm-by zhao.admin：动态验证码不正确" in guessed.output
    with issuance.db.read() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.totp_failed")).all()
    assert [e.subject for e in failed] == [zhao] * 5 and all(e.actor.startswith("cli:") for e in failed)

    locked = revoke_all(
        app, "--confirm-by", "zhao.admin", code=f"{code_of(issuance, 'wang.approver', secret_a)}\n{now_code(secret_b)}"
    )
    assert (
        locked.exit_code == 1 and "--confirm-by zhao.admin：动态验证码输错已达 5 次，请 15 分钟后再试" in locked.output
    )
    assert verdict(client, one.token) == "有效" and events(issuance, "staff.totp_failed") == 5
    assert (
        revoke_all(app, code=code_of(issuance, "wang.approver", secret_a)).exit_code == EXIT_PREVIEW
    )  # wang is not locked
