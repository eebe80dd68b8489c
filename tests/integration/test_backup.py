"""``ecert backup DIR`` / ``ecert restore DIR``: an instance with a valid, a revoked and a
corrected certificate is backed up, restored onto an empty home and an empty database, and the
restored instance checks out as a person would check it (audit log, blobs, every PDF through
the verifier, every QR page); a damaged or partial backup is refused naming the file, before
anything is written."""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ecert.app import create_app
from ecert.cli import main
from ecert.models import AuditEvent, Certificate
from ecert.settings import RateLimits, Settings
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories, postgres
from tests.functional.test_pages import verdict_section
from tests.integration.test_blobs import _photo
from tests.integration.test_one_answer import _qr_url


@dataclass(frozen=True)
class Issued:
    label: str
    token: str
    sha256: str
    word: str  # what the QR page and the PDF check say on the restored instance
    status: str  # verifier.status of the PDF check


@pytest.fixture
def issued(issuance: Issuance, tmp_path: Path) -> list[Issued]:
    kept = issue_decision(issuance, factories.decision(name="王小明", photo=_photo(tmp_path)))
    revoked = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, revoked.number)
    old = issue_decision(issuance, factories.decision(name="赵六", employer="重庆市大足区中医院"))
    new = correct(issuance, old.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误")
    assert not isinstance(new, list)
    return [
        Issued("valid", kept.token, kept.sha256, "有效", "valid"),
        Issued("revoked", revoked.token, revoked.sha256, "已撤销", "revoked"),
        Issued("superseded", old.token, old.sha256, "已更正", "superseded"),
        Issued("corrected", new.token, new.sha256, "有效", "valid"),
    ]


def source_app(issuance: Issuance) -> Flask:
    app = create_app(replace(issuance.settings, ratelimits=RateLimits(enabled=False)))
    app.testing = True
    return app


@contextmanager
def new_machine(request: pytest.FixtureRequest, database_url: str, folder: Path, **settings_: Any) -> Iterator[Flask]:
    """A new machine: an ECERT_HOME that does not exist yet and an empty database (no tables)
    on the same backend as the source."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'db' / 'ecert.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = postgres.fresh_database(server)
    settings = Settings(home=folder / "home", database_url=url, ratelimits=RateLimits(enabled=False), **settings_)
    app = create_app(settings)
    app.testing = True
    try:
        yield app
    finally:
        app.extensions["ecert"].db.dispose()
        if not database_url.startswith("sqlite"):
            postgres.drop_database(request.getfixturevalue("postgres_server"), url)


@pytest.fixture
def empty_instance(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    with new_machine(request, database_url, tmp_path / "new-machine") as app:
        yield app


def restored_issuance(app: Flask, source: Issuance) -> Issuance:
    """Issuance on the restored instance with its own restored keys (PKI signer, QR key)."""
    from issuer.qr.claims import build_claim_signer
    from issuer.signing.signers import build_document_signer

    k = app.extensions["ecert"]
    return replace(
        source,
        db=k.db,
        store=k.store,
        settings=k.settings,
        signer=build_document_signer(k.settings),
        claim_signer=build_claim_signer(k.settings),
    )


def backup(issuance: Issuance, folder: Path) -> None:
    app = source_app(issuance)
    result = app.test_cli_runner().invoke(main, ["backup", str(folder)])
    app.extensions["ecert"].db.dispose()
    assert result.exit_code == 0, result.output
    assert "备份中有私钥和持证人的个人信息" in result.output


def test_a_restored_instance_verifies_every_certificate_and_its_audit_log(  # type: ignore[no-untyped-def]
    issuance: Issuance, issued: list[Issued], empty_instance: Flask, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup(issuance, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {entry["path"].split("/")[0] for entry in manifest["files"]}
    assert {"database", "blobs", "pki", "qr-keys", "qr-keyset", "audit-key", "audit-anchors"} <= names
    assert manifest["certificates"] == 4 and manifest["version"] == 1
    # Every file private: the backup holds the PKI's private keys and holders' data.
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()} == {0o600}
    assert {stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")] if p.is_dir()} == {0o700}
    with issuance.db.read() as session:
        taken = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert taken.action == "backup.taken" and taken.payload["files"] == len(manifest["files"])

    runner = empty_instance.test_cli_runner()
    checked = runner.invoke(main, ["--lang", "en", "restore", "--check", str(folder)])
    assert checked.exit_code == 0 and checked.output.startswith("the backup is intact: "), checked.output
    restored = runner.invoke(main, ["restore", str(folder)])
    assert restored.exit_code == 0, restored.output

    audit = runner.invoke(main, ["audit", "verify"])
    assert audit.exit_code == 0, audit.output
    assert "审计日志完整，与登记一致" in audit.output
    blobs = runner.invoke(main, ["db", "verify-blobs"])
    assert blobs.exit_code == 0 and "全部完好" in blobs.output, blobs.output
    k = empty_instance.extensions["ecert"]
    with k.db.read() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert session.scalar(select(Certificate.id).where(Certificate.token == issued[0].token)) is not None
    assert (last.action, last.seq) == ("backup.restored", manifest["audit_head"]["seq"] + 1)

    from verifier.runtime import runtime

    client = empty_instance.test_client()
    source = issuance.store
    for certificate in issued:
        pdf = k.store.get(certificate.sha256)
        assert pdf == source.get(certificate.sha256)
        path = tmp_path / f"{certificate.label}.pdf"
        path.write_bytes(pdf)
        with empty_instance.app_context():
            verdict = runtime(empty_instance).check_pdf(path)
        assert verdict.authentic and verdict.status == certificate.status, (certificate.label, verdict.summary)

        qr = _qr_url(pdf, tmp_path, certificate.label)
        page = client.get(qr.split("8000", 1)[1])
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert f">{certificate.word}<" in verdict_section(html), certificate.label
        assert "二维码签名有效" in html, certificate.label  # the restored published QR key set

    # The keys came back too: the restored PKI and QR key sign a new certificate that verifies.
    home = k.settings.home
    assert stat.S_IMODE((home / "pki" / "signer.key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "pki").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "audit-key").stat().st_mode) == 0o600
    fresh = issue_decision(restored_issuance(empty_instance, issuance), factories.decision(name="孙八"))
    pdf = k.store.get(fresh.sha256)
    (tmp_path / "fresh.pdf").write_bytes(pdf)
    with empty_instance.app_context():
        assert runtime(empty_instance).check_pdf(tmp_path / "fresh.pdf").status == "valid"
    assert "二维码签名有效" in client.get(_qr_url(pdf, tmp_path, "fresh").split("8000", 1)[1]).get_data(as_text=True)

    again = runner.invoke(main, ["restore", str(folder)])
    assert again.exit_code == 1
    assert "不覆盖任何文件" in again.output, again.output  # the restore's own anchor is there now


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_damaged_or_partial_backup_is_refused_naming_the_file(  # type: ignore[no-untyped-def]
    issuance: Issuance, issued: list[Issued], empty_instance: Flask, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup(issuance, folder)
    blob = folder / "blobs" / issued[0].sha256[:2] / issued[0].sha256
    damaged = bytearray(blob.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    blob.write_bytes(bytes(damaged))
    key = folder / "pki" / "signer.key.pem"
    key.unlink()
    home = empty_instance.extensions["ecert"].settings.home
    before = sorted(p.name for p in home.iterdir())

    runner = empty_instance.test_cli_runner()
    checked = runner.invoke(main, ["--lang", "en", "restore", "--check", str(folder)])
    result = runner.invoke(main, ["--lang", "en", "restore", str(folder)])

    assert checked.exit_code == 1 and checked.output == result.output
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert (
        f"the backup file blobs/{issued[0].sha256[:2]}/{issued[0].sha256} is damaged: its content does not match the SHA-256 in the manifest"
        in lines
    )
    assert "the backup lacks the file pki/signer.key.pem" in lines
    assert (
        lines[-1]
        == "the backup failed its integrity check (2 file(s) missing or damaged); nothing was written; use an intact backup"
    )
    assert sorted(p.name for p in home.iterdir()) == before  # nothing written (the app's own secret only)
    assert not Path(empty_instance.extensions["ecert"].settings.database_url.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_and_restore_refuse_to_overwrite(  # type: ignore[no-untyped-def]
    issuance: Issuance, issued: list[Issued], tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup(issuance, folder)
    app = source_app(issuance)
    runner = app.test_cli_runner()
    into_full = runner.invoke(main, ["--lang", "en", "backup", str(folder)])
    assert into_full.exit_code == 1
    assert into_full.output.strip() == f"the backup folder {folder} exists and is not empty; name a new or empty folder"
    onto_itself = runner.invoke(main, ["--lang", "en", "restore", str(folder)])
    assert onto_itself.exit_code == 1
    assert onto_itself.output.startswith(f"{issuance.settings.home}"), onto_itself.output
    assert "a restore only writes into an empty ECERT_HOME" in onto_itself.output
    (folder / "manifest.json").unlink()
    partial = runner.invoke(main, ["--lang", "en", "restore", str(folder)])
    assert (
        partial.output.strip()
        == f"{folder / 'manifest.json'} does not exist: not a backup folder, or a backup that never finished"
    )
    app.extensions["ecert"].db.dispose()


def test_backups_taken_while_certificates_are_issued_restore_consistent(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, issuance: Issuance, database_url: str, tmp_path: Path
) -> None:
    """The service keeps issuing (PDF blob, rows, audit events, an anchor per batch) while
    backups are taken: each restores to an instance whose audit log, anchors, registry and
    blobs agree."""
    stop, errors = threading.Event(), list[BaseException]()

    def keep_issuing() -> None:
        try:
            for _n in range(12):
                if stop.is_set():
                    return
                issue_decision(issuance, factories.decision())
        except BaseException as error:  # reported by the test below
            errors.append(error)

    issue_decision(issuance, factories.decision())
    writer = threading.Thread(target=keep_issuing)
    writer.start()
    folders = []

    def certificates() -> int:
        with issuance.db.read() as session:
            return len(session.scalars(select(Certificate.id)).all())

    try:
        for n in range(3):
            seen, deadline = certificates(), time.monotonic() + 60
            while n and certificates() == seen and time.monotonic() < deadline:
                time.sleep(0.1)  # a backup after at least one more certificate
            folders.append(tmp_path / f"backup-{n}")
            backup(issuance, folders[-1])
    finally:
        stop.set()
        writer.join()
    assert not errors, errors
    counts = [json.loads((f / "manifest.json").read_text(encoding="utf-8"))["certificates"] for f in folders]
    assert counts[0] < counts[-1], counts  # certificates were issued between the backups
    for folder in (folders[0], folders[-1]):
        with new_machine(request, database_url, tmp_path / f"machine-{folder.name}") as app:
            runner = app.test_cli_runner()
            assert runner.invoke(main, ["restore", str(folder)]).exit_code == 0
            audit = runner.invoke(main, ["audit", "verify"])
            assert audit.exit_code == 0, audit.output
            blobs = runner.invoke(main, ["db", "verify-blobs"])
            assert blobs.exit_code == 0, blobs.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_kept_under_home_is_not_taken_into_the_next(issuance: Issuance, issued: list[Issued]) -> None:
    first, second = issuance.settings.home / "backups" / "first", issuance.settings.home / "backups" / "second"
    backup(issuance, first)
    backup(issuance, second)
    paths = [entry["path"] for entry in json.loads((second / "manifest.json").read_text(encoding="utf-8"))["files"]]
    assert not [path for path in paths if "backups/" in path]
    assert (
        len(paths) == len(json.loads((first / "manifest.json").read_text(encoding="utf-8"))["files"]) + 1
    )  # its anchor


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_part_goes_where_the_restoring_settings_place_it(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, issuance: Issuance, issued: list[Issued], database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup(issuance, folder)
    key_file, anchors = tmp_path / "etc" / "audit.key", tmp_path / "worm" / "anchors"
    with new_machine(
        request, database_url, tmp_path / "elsewhere", audit_key_file=key_file, audit_anchor_dir=anchors
    ) as app:
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["restore", str(folder)]).exit_code == 0
        assert key_file.read_bytes() == (issuance.settings.home / "audit-key").read_bytes()
        assert not (app.extensions["ecert"].settings.home / "audit-key").exists()
        # The backup's anchors plus one of its own each: the source's of backup.taken, this one's of backup.restored.
        assert len(list(anchors.glob("anchor-*.json"))) == len(list(issuance.settings.audit_anchor_path.glob("*.json")))
        audit = runner.invoke(main, ["audit", "verify"])
        assert audit.exit_code == 0, audit.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_restore_refuses_another_schema_database_or_an_unplaced_part(  # type: ignore[no-untyped-def]
    issuance: Issuance, issued: list[Issued], empty_instance: Flask, tmp_path: Path
) -> None:
    import hashlib

    from ecert.migrate import head_revision

    folder = tmp_path / "backup"
    backup(issuance, folder)
    manifest_path = folder / "manifest.json"
    original = json.loads(manifest_path.read_text(encoding="utf-8"))
    runner = empty_instance.test_cli_runner()

    def refused(manifest: dict[str, Any]) -> str:
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
        result = runner.invoke(main, ["--lang", "en", "restore", str(folder)])
        assert result.exit_code == 1, result.output
        return result.output.strip()

    assert refused({**original, "schema_revision": "0001"}) == (
        f"the backup's database schema is at revision 0001, this program's at {head_revision()}; "
        f"restore it with ecert {original['ecert_version']}, which made it, then run ecert db upgrade"
    )
    assert refused({**original, "database": {**original["database"], "dialect": "postgresql"}}) == (
        "the backup holds a postgresql database and this instance is configured for sqlite; "
        "a backup restores onto the same kind of database only"
    )
    # As a production backup holds it: the pinned roots from ECERT_TRUST_ROOTS, unset here.
    roots = (issuance.settings.pki_dir / "root-ca.cert.pem").read_bytes()
    (folder / "trust-roots").mkdir()
    (folder / "trust-roots" / "roots.pem").write_bytes(roots)
    entry = {
        "path": "trust-roots/roots.pem",
        "size": len(roots),
        "sha256": hashlib.sha256(roots).hexdigest(),
        "mode": 0o644,
    }
    with_roots = {
        **original,
        "parts": {**original["parts"], "trust-roots": {"kind": "file", "source": "/etc/ecert/roots.pem"}},
        "files": [*original["files"], entry],
    }
    assert (
        refused(with_roots)
        == "the backup holds trust-roots, but ECERT_TRUST_ROOTS is not set here: nowhere to write it"
    )
    assert refused({**original, "files": [{**entry, "path": "../outside"}]}) == (
        "the path ../outside in the backup manifest points outside the backup; refused"
    )
    home = empty_instance.extensions["ecert"].settings.home
    # Nothing written: only what the app's first start makes (its secret, and the lock that
    # keeps two starting workers from writing it twice).
    assert sorted(p.name for p in home.iterdir()) == [".development-secret-key.lock", "development-secret-key"]
