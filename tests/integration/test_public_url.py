"""The public URL printed in QR codes is recorded at the first issuance; a machine with
another one refuses to issue or correct unless told ``--accept-public-url-change``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, func, inspect, select, text

from ecert import audit
from ecert.app import create_app
from ecert.cli import main
from ecert.migrate import alembic_config, head_revision
from ecert.models import AuditEvent, Certificate, DeploymentSetting
from ecert.settings import RateLimits
from issuer.runtime import runtime
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.public_url import PublicUrlChanged
from tests import factories
from tests.functional.test_operator_mistakes import EXAMPLES

FIRST = "http://127.0.0.1:8000"  # the issuance fixture's
MOVED = "https://zhengshu.dazu.example.cn"


def _one_row_csv(tmp_path: Path, row: int = 1) -> Path:
    lines = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"row{row}.csv"
    path.write_text(f"{lines[0]}\n{lines[row]}\n", encoding="utf-8")
    return path


def _app_at(issuance: Issuance, public_url: str, renderer, signer, seal_png) -> Flask:  # type: ignore[no-untyped-def]
    """The whole app on the same database and home as ``issuance``, on a machine configured with ``public_url``."""
    app = create_app(replace(issuance.settings, public_url=public_url, ratelimits=RateLimits(enabled=False)))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    return app


def _recorded(issuance: Issuance) -> str | None:
    with issuance.db.read() as session:
        setting = session.get(DeploymentSetting, "public_url")
        return setting.value if setting else None


def _certificates(issuance: Issuance) -> int:
    with issuance.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Certificate)) or 0)


def _actions(issuance: Issuance) -> list[str]:
    with issuance.db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_first_issue_records_the_url_and_another_machine_refuses_until_told(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, renderer, signer, seal_png, tmp_path: Path
) -> None:
    assert _recorded(issuance) is None
    first = app.test_cli_runner().invoke(main, ["--lang", "en", "issue", str(_one_row_csv(tmp_path, 1))])
    assert first.exit_code == 0, first.output
    assert _recorded(issuance) == FIRST
    assert _actions(issuance)[0] == "deployment.public_url_recorded"

    moved = _app_at(issuance, MOVED, renderer, signer, seal_png)
    runner = moved.test_cli_runner()
    second_csv = str(_one_row_csv(tmp_path, 2))
    for lang, message in [
        (
            "en",
            f"issuing failed: the database records the public URL (the one in QR codes) {FIRST}, but this "
            f"machine's ECERT_PUBLIC_URL is {MOVED}; the QR codes already issued point to the former for good. "
            "Fix this machine's setting or, if the site really moves, add --accept-public-url-change",
        ),
        (
            "zh",
            f"签发失败：数据库记录的公开网址（二维码中的网址）是 {FIRST}，本机的 ECERT_PUBLIC_URL 是 {MOVED}；"
            "已签发的二维码永久指向前者。请改正本机设置，或确需更换网址时加 --accept-public-url-change",
        ),
    ]:
        refused = runner.invoke(main, ["--lang", lang, "issue", second_csv])
        assert refused.exit_code == 1
        assert refused.output.strip().splitlines()[-1] == message
    assert (_certificates(issuance), _recorded(issuance)) == (1, FIRST)
    events = len(_actions(issuance))

    accepted = runner.invoke(main, ["--lang", "en", "issue", second_csv, "--accept-public-url-change"])
    assert accepted.exit_code == 0, accepted.output
    assert (_certificates(issuance), _recorded(issuance)) == (2, MOVED)
    changed = _actions(issuance)[events]
    assert changed == "deployment.public_url_changed"
    with issuance.db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == changed)).one()
        assert event.payload == {"from": FIRST, "to": MOVED}
        assert audit.verify_chain(session).ok
    # The new URL is the recorded one now: the old machine is the one refused.
    old_again = app.test_cli_runner().invoke(main, ["--lang", "en", "issue", str(_one_row_csv(tmp_path, 3))])
    assert old_again.exit_code == 1 and f"public URL (the one in QR codes) {MOVED}" in old_again.output


def test_a_correction_prints_a_qr_code_too(app, issuance: Issuance, renderer, signer, seal_png) -> None:  # type: ignore[no-untyped-def]
    number = issue_decision(issuance, factories.decision()).number
    runner = _app_at(issuance, MOVED, renderer, signer, seal_png).test_cli_runner()
    correct = ["--lang", "en", "correct", number, "--set", "employer=重庆市大足区中医院", "--reason", "r"]

    refused = runner.invoke(main, correct)
    assert refused.exit_code == 1
    assert refused.output.startswith(f"the database records the public URL (the one in QR codes) {FIRST}, but")
    assert _certificates(issuance) == 1

    accepted = runner.invoke(main, [*correct, "--accept-public-url-change"])
    assert accepted.exit_code == 0, accepted.output
    assert (_certificates(issuance), _recorded(issuance)) == (2, MOVED)


def test_the_service_refuses_without_the_operators_word(issuance: Issuance) -> None:
    issue_decision(issuance, factories.decision())
    elsewhere = replace(issuance, settings=replace(issuance.settings, public_url=MOVED))
    with pytest.raises(PublicUrlChanged) as raised:
        issue_decision(elsewhere, factories.decision())
    assert (raised.value.code, raised.value.params) == ("public_url.changed", {"recorded": FIRST, "configured": MOVED})
    issue_decision(replace(elsewhere, accept_public_url_change=True), factories.decision())
    # Accepted once, recorded: the same machine issues on without the flag, and no second event.
    issue_decision(elsewhere, factories.decision())
    assert _actions(issuance).count("deployment.public_url_changed") == 1


def test_db_upgrade_adds_the_table_to_an_existing_0001_database(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    url = issuance.settings.database_url
    command.downgrade(alembic_config(url), "0001")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
            assert not inspect(connection).has_table("deployment_settings")
        refused = app.test_cli_runner().invoke(main, ["--lang", "en", "list"])
        assert refused.exit_code == 1 and "run ecert db upgrade first" in refused.output

        upgraded = app.test_cli_runner().invoke(main, ["--lang", "en", "db", "upgrade"])

        assert upgraded.exit_code == 0, upgraded.output
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            assert inspect(connection).has_table("deployment_settings")
    finally:
        engine.dispose()
    listed = app.test_cli_runner().invoke(main, ["--lang", "en", "list"])
    assert listed.exit_code == 0 and issued.number in listed.output
    # Certificates issued before the upgrade keep their URL; the next issue records it.
    assert _recorded(issuance) is None
    issue_decision(issuance, factories.decision())
    assert _recorded(issuance) == FIRST
