"""Holders: register with a one-time code, bind the account with the office's activation
code, see 我的证书 and download each version's PDF exactly as stored; nobody else can."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from accounts.notifier import OutboxNotifier
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories

PASSWORD = "correct horse battery"


def csrf(client, path: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def post(client, path: str, form_page: str | None = None, **data: Any):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf(client, form_page or path), **data})


def outbox(issuance: Issuance, mobile: str) -> list[str]:
    return [text for _to, text in OutboxNotifier(issuance.settings.home / "outbox").messages(mobile)]


def register(client, issuance: Issuance, name: str, id_number: str, mobile: str) -> str:  # type: ignore[no-untyped-def]
    """Register and confirm; returns the confirm page's path."""
    response = post(
        client,
        "/account/register",
        name=name,
        id_number=id_number,
        mobile=mobile,
        password=PASSWORD,
        password2=PASSWORD,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def cid(issuance: Issuance, outcome) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from ecert.models import Certificate

    with issuance.db.read() as session:
        return int(session.scalar(select(Certificate.id).where(Certificate.token == outcome.token)))


def activation_code(app, id_number: str) -> str:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["users", "activation-code", id_number, "--as", "staff:li"])
    assert result.exit_code == 0, result.output
    match = re.search(r"激活码：([A-Z0-9]{8})", result.output)
    assert match, result.output
    return match.group(1)


@pytest.fixture
def holder_a(issuance: Issuance):  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    first = issue_decision(issuance, decision)
    second = correct(issuance, first.number, {"employer": "重庆市大足区中医院"}, reason="工作单位填写错误")
    assert not isinstance(second, list)
    return decision, first, second


def test_a_holder_registers_activates_and_downloads_the_stored_pdf(app, client, issuance: Issuance, holder_a) -> None:  # type: ignore[no-untyped-def]
    decision, first, second = holder_a
    confirm = register(client, issuance, "王小明", decision.id_number, "13800138000")
    messages = outbox(issuance, "13800138000")
    assert len(messages) == 1 and "验证码" in messages[0]
    wrong = post(client, confirm, code="000000" if code_in(messages[0]) != "000000" else "111111")
    assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
    done = post(client, confirm, code=code_in(messages[0]))
    assert done.status_code == 302 and done.headers["Location"].endswith("/my/")

    # Logged in, but the registry knows no mobile for this ID: no certificate shown yet.
    page = client.get("/my/").get_data(as_text=True)
    assert "尚未确认您就是该身份证号码的持证人" in page and first.number not in page
    assert client.get(f"/my/certificates/{cid(issuance, first)}.pdf").status_code == 404

    refused = post(client, "/my/activate", "/my/", code="ABCDEFGH")
    assert refused.status_code == 400 and "激活码不正确" in refused.get_data(as_text=True)
    assert (
        post(client, "/my/activate", "/my/", code=activation_code(app, decision.id_number).lower()).status_code == 302
    )

    page = client.get("/my/").get_data(as_text=True)
    assert page.count(first.number) == 1  # one card for the certificate, its versions inside
    assert page.index("第 2 版") < page.index("第 1 版") and "已更正（有新版本）" in page and ">有效<" not in page
    assert issuance.settings.verify_url(second.token) in page
    for outcome in (second, first):
        download = client.get(f"/my/certificates/{cid(issuance, outcome)}.pdf")
        assert download.status_code == 200 and download.mimetype == "application/pdf"
        assert download.data == issuance.store.get(outcome.sha256)
        assert f'filename="{outcome.number}-v{outcome.version}.pdf"' in download.headers["Content-Disposition"]


def test_another_holder_gets_404_for_everything_of_the_first(app, client, issuance: Issuance, holder_a) -> None:  # type: ignore[no-untyped-def]
    _decision, first, _second = holder_a
    other = factories.decision(name="李四", id_number=factories.id_number())
    issue_decision(issuance, other)
    confirm = register(client, issuance, "李四", other.id_number, "13900139000")
    post(client, confirm, code=code_in(outbox(issuance, "13900139000")[0]))
    post(client, "/my/activate", "/my/", code=activation_code(app, other.id_number))
    assert "李四" in client.get("/my/").get_data(as_text=True)
    assert first.number not in client.get("/my/").get_data(as_text=True)
    assert client.get(f"/my/certificates/{cid(issuance, first)}.pdf").status_code == 404
    assert client.get("/my/certificates/999999.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, issuance: Issuance, holder_a) -> None:  # type: ignore[no-untyped-def]
    _decision, first, _second = holder_a
    for path in ("/my/", f"/my/certificates/{cid(issuance, first)}.pdf"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_registering_a_taken_id_number_looks_the_same_and_warns_its_owner(client, issuance: Issuance, holder_a) -> None:  # type: ignore[no-untyped-def]
    decision, _first, _second = holder_a
    confirm = register(client, issuance, "王小明", decision.id_number, "13800138000")
    post(client, confirm, code=code_in(outbox(issuance, "13800138000")[0]))
    client.post("/account/logout", data={"csrf_token": csrf(client, "/my/")})

    again = register(client, issuance, "王小明", decision.id_number, "13700137000")  # someone else's phone
    assert again.startswith("/account/confirm/") and again != confirm
    assert outbox(issuance, "13700137000") == []  # no code for the intruder
    warned = outbox(issuance, "13800138000")
    assert len(warned) == 2 and "有人使用您的身份证号申请注册" in warned[1]
    for guess in ("000000", "123456"):
        assert post(client, again, code=guess).status_code == 400


def test_login_says_nothing_about_which_part_was_wrong(client, issuance: Issuance, holder_a) -> None:  # type: ignore[no-untyped-def]
    decision, _first, _second = holder_a
    confirm = register(client, issuance, "王小明", decision.id_number, "13800138000")
    post(client, confirm, code=code_in(outbox(issuance, "13800138000")[0]))
    client.post("/account/logout", data={"csrf_token": csrf(client, "/my/")})
    unknown = post(client, "/account/login", login=factories.id_number(), password=PASSWORD)
    wrong = post(client, "/account/login", login=decision.id_number, password="wrong password!")
    assert unknown.status_code == wrong.status_code == 400
    message = "身份证号码（或用户名）或密码不正确"
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)
    ok = post(client, "/account/login", login=decision.id_number.lower(), password=PASSWORD)
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/my/")
    assert "王小明" in client.get("/my/").get_data(as_text=True)


def test_every_form_refuses_a_post_without_its_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/account/register", "/account/login", "/account/confirm/abc"):
        response = client.post(path, data={"login": "x", "password": "y", "code": "123456"})
        assert response.status_code == 400, path


def test_where_the_registry_knows_the_mobile_the_code_goes_only_there_and_binds_at_once(
    client, issuance: Issuance
) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="赵六", mobile="13600136000")
    issued = issue_decision(issuance, decision)
    confirm = register(client, issuance, "赵六", decision.id_number, "13700137000")  # another phone typed
    assert outbox(issuance, "13700137000") == []  # an ID number is no proof: not to the typed phone
    [message] = outbox(issuance, "13600136000")
    assert post(client, confirm, code=code_in(message)).status_code == 302
    page = client.get("/my/").get_data(as_text=True)
    assert issued.number in page and "尚未确认" not in page  # whoever read the code is the holder


def test_a_later_file_with_a_mobile_updates_the_registry(issuance: Issuance) -> None:
    from sqlalchemy import select

    from ecert.models import Holder

    first = factories.decision(name="钱七")
    issue_decision(issuance, first)
    issue_decision(issuance, replace(first, qualification="副主任医师", level="副高级", mobile="13500135000"))
    with issuance.db.read() as session:
        assert session.scalar(select(Holder.mobile).where(Holder.id_number == first.id_number)) == "13500135000"
