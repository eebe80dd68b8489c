"""API keys: made by staff with ``ecert api-keys`` (audited), presented to the JSON API, limited
and counted per key instead of per address; anonymous use keeps the address's limits; a bad
or revoked key is 401; only the key's hash is stored, and it is never logged."""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from ecert.models import ApiKey, ApiKeyUsage, AuditEvent
from ecert.settings import RateLimits
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_api import TOKEN, assert_error, assert_openapi
from tests.functional.test_console_revoke import staff_client

UNKNOWN = "/api/v1/tokens/AAAAAAAAAAAAAAAAAAAAAAAA"
KEY = re.compile(r"^(ecert_([a-z2-7]{8})_[a-z2-7]{52})$", re.M)


def create_key(app: Any, organisation: str, *args: str) -> tuple[str, str]:
    """(key id, whole key) of a key made with the command, as an operator would."""
    result = app.test_cli_runner().invoke(args=["api-keys", "create", organisation, *args])
    assert result.exit_code == 0, result.output
    found = KEY.search(result.output)
    assert found, result.output
    return found.group(2), found.group(1)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def limited_app(issuance: Issuance):  # type: ignore[no-untyped-def]
    """Rate limits on and low: 2 a minute anonymous, 3 a minute per key."""
    from ecert.app import create_app

    limits = RateLimits(api="2/minute", api_key="3/minute", api_batch="5/minute", api_key_batch="7/minute")
    app = create_app(replace(issuance.settings, ratelimits=limits))
    yield app
    app.extensions["ecert"].db.dispose()


def card(html: str, organisation: str) -> str:
    """The console's section of one key."""
    found = [section for section in html.split("<section")[1:] if f">{organisation}</h2>" in section]
    assert len(found) == 1, organisation
    return found[0].split("</section>")[0]


def _statuses(client: Any, n: int, headers: dict[str, str] | None = None) -> list[int]:
    return [client.get(UNKNOWN, headers=headers or {}).status_code for _ in range(n)]


def test_two_keys_from_one_address_do_not_share_a_limit(limited_app) -> None:  # type: ignore[no-untyped-def]
    _, carrier_a = create_key(limited_app, "甲市人社局")
    _, carrier_b = create_key(limited_app, "乙市人社局")
    _, own = create_key(limited_app, "丙集团人力资源部", "--limit", "5/minute")
    client = limited_app.test_client()  # one address for all of them
    assert _statuses(client, 4, bearer(carrier_a)) == [404, 404, 404, 429]
    assert_error(client.get(UNKNOWN, headers=bearer(carrier_a)), TOKEN, "get", 429, "rate_limited")
    # The other office behind the same address still has its whole budget, by either header.
    assert _statuses(client, 4, {"X-API-Key": carrier_b}) == [404, 404, 404, 429]
    assert _statuses(client, 6, bearer(own)) == [404] * 5 + [429]  # the key's own --limit
    # Anonymous from that address: today's limit, untouched by the keys' requests.
    assert _statuses(client, 3) == [404, 404, 429]
    assert_error(client.get(UNKNOWN), TOKEN, "get", 429, "rate_limited")


def test_batches_are_counted_per_key_at_the_keys_batch_rate(limited_app) -> None:  # type: ignore[no-untyped-def]
    _, key = create_key(limited_app, "甲市人社局")
    client = limited_app.test_client()
    items = {"items": [{"number": "ZC500111-2026-000123-Y", "name": "张三"}] * 4}
    assert client.post("/api/v1/batch", json=items, headers=bearer(key)).status_code == 200
    assert client.post("/api/v1/batch", json=items, headers=bearer(key)).status_code == 429  # 8 > 7
    assert client.post("/api/v1/batch", json=items).status_code == 200  # anonymous: 4 of its 5


def test_a_revoked_unknown_or_malformed_key_is_401_never_anonymous(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    key_id, key = create_key(app, "甲市人社局")
    url = f"/api/v1/tokens/{issued.token}"
    assert assert_openapi(client.get(url, headers=bearer(key)), TOKEN)["certificate"]["number"] == issued.number
    revoked = app.test_cli_runner().invoke(args=["api-keys", "revoke", key_id, "--as", "zhou.admin"])
    assert revoked.exit_code == 0 and key_id in revoked.output
    error = assert_error(client.get(url, headers=bearer(key)), TOKEN, "get", 401, "invalid_api_key")
    assert "API 密钥无效或已撤销" in error["message"]
    response = client.get(url, headers={"X-API-Key": key})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong_secret = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    for headers in (
        bearer(wrong_secret),
        bearer("not-a-key"),
        {"Authorization": "Basic dXNlcjpwYXNz"},  # another scheme: not silently anonymous either
        {"X-API-Key": ""},
    ):
        assert_error(client.get(url, headers=headers), TOKEN, "get", 401, "invalid_api_key")
    english = client.get(url + "?lang=en", headers=bearer(key)).get_json()
    assert "API key" in english["error"]["message"]
    assert client.get(url).status_code == 200  # no key at all: anonymous, as before


def test_usage_per_key_is_counted_and_shown_to_approvers_and_admins(limited_app) -> None:  # type: ignore[no-untyped-def]
    a_id, a = create_key(limited_app, "甲市人社局")
    b_id, b = create_key(limited_app, "乙物流公司")
    client = limited_app.test_client()
    _statuses(client, 4, bearer(a))  # 3 answered, 1 refused
    _statuses(client, 2, bearer(b))
    _statuses(client, 2)  # anonymous: counted for no key
    with limited_app.extensions["ecert"].db.read() as session:
        rows = session.execute(
            select(ApiKey.key_id, ApiKeyUsage.requests, ApiKeyUsage.refused).join(
                ApiKeyUsage, ApiKeyUsage.api_key_id == ApiKey.id
            )
        ).all()
    assert sorted(rows) == sorted([(a_id, 4, 1), (b_id, 2, 0)])
    for role in ("approver", "admin"):
        page = staff_client(limited_app, f"wu.{role}", role).get("/console/api-keys")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        a_card, b_card = card(html, "甲市人社局"), card(html, "乙物流公司")
        assert a_id in a_card and "4 次" in a_card and "其中 1 次超过限额被拒绝" in a_card and "3/minute" in a_card
        assert b_id in b_card and "2 次" in b_card and "拒绝" not in b_card
        assert a not in html and b not in html  # the keys themselves are nowhere
    reviewer = staff_client(limited_app, "wu.reviewer", "reviewer")
    assert reviewer.get("/console/api-keys").status_code == 403
    assert "/console/api-keys" not in reviewer.get("/console/").get_data(as_text=True)


def test_the_key_is_stored_only_as_its_hash_and_never_logged(app, served: str, caplog, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    key_id, key = create_key(app, "甲市人社局")
    secret = key.rsplit("_", 1)[1]
    for headers in (bearer(key), {"X-API-Key": key}):
        request = urllib.request.Request(served + UNKNOWN, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=10)
        assert answer.value.code == 404  # known key, unknown token
    assert "GET /api/v1/tokens/" in caplog.text  # the request lines were logged ...
    assert secret not in caplog.text  # ... without the key
    with issuance.db.read() as session:
        row = session.scalars(select(ApiKey)).one()
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject == f"api_key:{key_id}")).all()
    assert row.key_id == key_id and row.secret_sha256 == hashlib.sha256(key.encode()).hexdigest()
    assert events and all(secret not in repr(event.payload) for event in events)
    database = issuance.settings.database_url.removeprefix("sqlite:///")
    if issuance.settings.database_url.startswith("sqlite"):
        import pathlib

        stored = b"".join(
            path.read_bytes() for path in pathlib.Path(database).parent.glob(pathlib.Path(database).name + "*")
        )
        assert key_id.encode() in stored and secret.encode() not in stored


def test_create_list_and_revoke_are_audited_and_name_each_mistake(app) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    created = runner.invoke(args=["api-keys", "create", "甲市人社局", "--limit", "1200/minute", "--as", "zhou.admin"])
    assert created.exit_code == 0
    assert "只显示这一次" in created.output and "Authorization: Bearer" in created.output
    key_id = KEY.search(created.output).group(2)  # type: ignore[union-attr]
    listed = runner.invoke(args=["api-keys", "list", "--as", "zhou.admin"])
    assert listed.exit_code == 0 and f"{key_id}\t甲市人社局\t1200/minute" in listed.output and "有效" in listed.output
    assert "ecert_" not in listed.output
    assert runner.invoke(args=["api-keys", "revoke", key_id.upper(), "--as", "zhou.admin"]).exit_code == 0
    assert "已撤销" in runner.invoke(args=["api-keys", "list"]).output
    with app.extensions["ecert"].db.read() as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.subject, AuditEvent.payload)
            .where(AuditEvent.action.like("api_key.%"))
            .order_by(AuditEvent.seq)
        ).all()
    assert [(e.action, e.actor, e.subject) for e in events] == [
        ("api_key.create", "zhou.admin", f"api_key:{key_id}"),
        ("api_key.list", "zhou.admin", "api_keys"),
        ("api_key.revoke", "zhou.admin", f"api_key:{key_id}"),
        ("api_key.list", "cli", "api_keys"),
    ]
    assert events[0].payload == {"organisation": "甲市人社局", "rate_limit": "1200/minute"}
    mistakes = {
        ("revoke", key_id): f"API 密钥 {key_id} 已于此前撤销",
        ("revoke", "nosuchkey"): "没有密钥编号为 nosuchkey 的 API 密钥",
        ("create", "  "): "请填写机构名称",
        ("create", "甲", "--limit", "lots"): "限额 lots 无法识别",
        ("create", "机" * 129): "机构名称最多 128 个字符",
    }
    for args, words in mistakes.items():
        result = runner.invoke(args=["api-keys", *args])
        assert result.exit_code == 1 and words in result.output, (args, result.output)
    with app.extensions["ecert"].db.read() as session:
        assert session.scalars(select(ApiKey)).all()[0].key_id == key_id  # nothing made by a mistake
        assert len(session.scalars(select(ApiKey)).all()) == 1


def test_the_per_key_limits_are_settings_checked_at_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ecert import ConfigurationError
    from ecert.settings import Settings

    env = {
        "ECERT_HOME": str(tmp_path),
        "ECERT_RATELIMIT_API_KEY": "100/second",
        "ECERT_RATELIMIT_API_KEY_BATCH": "9/hour",
    }
    limits = Settings.from_env(env).ratelimits
    assert (limits.api_key, limits.api_key_batch, limits.api) == ("100/second", "9/hour", "60/minute")
    with pytest.raises(ConfigurationError, match="ECERT_RATELIMIT_API_KEY must be a rate limit"):
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_RATELIMIT_API_KEY": "many"})


def test_trying_keys_costs_the_addresss_budget(limited_app) -> None:  # type: ignore[no-untyped-def]
    client = limited_app.test_client()
    guesses = [client.get(UNKNOWN, headers=bearer(f"ecert_aaaaaaa{i}_" + "a" * 52)).status_code for i in range(2, 5)]
    assert guesses == [401, 401, 429]  # the address's failures are spent: the third is refused
    assert _statuses(client, 3) == [404, 404, 429]  # anonymous look-ups keep their own budget


def test_strangers_guessing_keys_do_not_lock_out_a_valid_key_at_their_address(limited_app) -> None:  # type: ignore[no-untyped-def]
    _key_id, key = create_key(limited_app, "甲市人社局")
    client = limited_app.test_client()
    guesses = [client.get(UNKNOWN, headers=bearer(f"ecert_aaaaaaa{i}_" + "a" * 52)).status_code for i in range(2, 6)]
    assert guesses[-1] == 429  # the address has spent its failures
    assert _statuses(client, 3, bearer(key)) == [404, 404, 404]  # the office's key is not refused


def test_the_console_page_reads_in_english_with_lang_en(limited_app) -> None:  # type: ignore[no-untyped-def]
    from tests.functional.test_one_language import _text

    key_id, key = create_key(limited_app, "甲市人社局")
    _statuses(limited_app.test_client(), 4, bearer(key))
    limited_app.test_cli_runner().invoke(args=["api-keys", "revoke", key_id])
    html = staff_client(limited_app, "wu.admin", "admin").get("/console/api-keys?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html and "Revoked (" in html and "4 (1 refused over the limit)" in html
    chinese = {part for line in _text(html) for part in re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", line)}
    assert chinese <= {"甲市人社局", limited_app.extensions["ecert"].settings.office_name}, chinese
