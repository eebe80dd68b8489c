"""``ecert revoke --granted-by 文号`` and ``ecert reinstate`` from the command line: without
``--confirm-by`` the preview and a non-zero exit, nothing changed; the same account twice,
a wrong TOTP code or a reviewer are refused; with a second account's code (read from
standard input, never an argument) each listed certificate is revoked, one event each."""

from __future__ import annotations

from sqlalchemy import func, select

from ecert.models import AuditEvent, TwoPersonAct
from issuer.cli.acts import EXIT_PREVIEW
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_audit_verify import invoke
from tests.functional.test_batch_revoke import GRANTED, verdict
from tests.functional.test_staff import create, now_code, secret_of


def ecert(app, *args: str, code: str = ""):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args), input=code + "\n")


def revoke_all(app, *more: str, code: str = ""):  # type: ignore[no-untyped-def]
    base = ("revoke", "--granted-by", "渝卫职改[2025]12号", "--doc-no", "足人社发〔2026〕9号", "--reason", "fraud")
    return ecert(app, *base, "--as", "wang.approver", *more, code=code)


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

    shown = revoke_all(app)
    assert shown.exit_code == EXIT_PREVIEW, shown.output
    assert f"将撤销由 {GRANTED} 批准的 2 张证书" in shown.output and one.number in shown.output
    assert two.number in shown.output and other.number not in shown.output and "--confirm-by" in shown.output
    same = revoke_all(app, "--confirm-by", "wang.approver", code=now_code(secret_a))
    assert same.exit_code == 1 and "不能自己确认" in same.output
    wrong = revoke_all(app, "--confirm-by", "zhao.admin", code="000000" if now_code(secret_b) != "000000" else "111111")
    assert wrong.exit_code == 1 and "动态验证码不正确" in wrong.output
    reviewer = ecert(app, "revoke", "--granted-by", GRANTED, "--doc-no", "足人社发〔2026〕9号", "--reason", "fraud",
                     "--as", "li.reviewer")  # fmt: skip
    assert reviewer.exit_code == 1 and "无权" in reviewer.output
    assert [verdict(client, c.token) for c in (one, two)] == ["有效", "有效"]
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TwoPersonAct)) == 0

    done = revoke_all(app, "--confirm-by", "zhao.admin", code=now_code(secret_b))
    assert done.exit_code == 0, done.output
    assert f"{one.number} 已撤销" in done.output and f"{two.number} 已撤销" in done.output
    assert "由 wang.approver 提出、zhao.admin 确认" in done.output
    assert [verdict(client, c.token) for c in (one, two, other)] == ["已撤销", "已撤销", "有效"]
    assert events(issuance, "certificate.revoked") == 2 and events(issuance, "act.confirmed") == 1
    replayed = revoke_all(app, "--confirm-by", "zhao.admin", code=now_code(secret_b))
    assert replayed.exit_code == 1  # nothing valid under that 文号 any more

    back = ("reinstate", one.number, "--reason", "误撤", "--doc-no", "足人社发〔2026〕10号", "--as", "wang.approver")
    assert ecert(app, *back).exit_code == EXIT_PREVIEW and verdict(client, one.token) == "已撤销"
    reinstated = ecert(app, *back, "--confirm-by", "zhao.admin", code=now_code(secret_b, 30))
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
