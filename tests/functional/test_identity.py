"""One person, one identity: an ID number already bound to another name — earlier in the
same file, or issued before — is refused, and nothing is reserved for that row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecert.models import Certificate, Decision, NumberCounter
from issuer.decisions import parse_decisions
from issuer.services.identity import IdentityConflict
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories
from tests.functional.test_issue_cli import invoke
from tests.unit.csv_rows import TODAY, csv_file, row

# The good row's holder (李晓梅) under other names: another character, letters, an added part.
OTHER_NAMES = ["李小梅", "李晓", "Li Xiaomei", "李晓梅·买买提"]
# The same name as other keyboards type it: not another name.

OTHER_DECISION = {"doc_no": "足人社发〔2025〕99号", "qualification": "一级教师"}
SOMEONE_ELSE = {"name": "王芳", "id_number": "500111199001010029", "doc_no": "足人社发〔2025〕77号"}


def _file(tmp_path: Path, *rows: dict[str, str], name: str = "decisions.csv") -> str:
    path = tmp_path / name
    path.write_bytes(csv_file(*rows))
    return str(path)


def _counts(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Certificates, decisions and numbers handed out: what a reservation would change."""
    with app.extensions["ecert"].db.read() as session:
        certificates = session.scalar(select(func.count()).select_from(Certificate))
        decisions = session.scalar(select(func.count()).select_from(Decision))
        numbers = session.scalar(select(func.coalesce(func.sum(NumberCounter.last_seq), 0)))
    return int(certificates or 0), int(decisions or 0), int(numbers or 0)


@pytest.mark.postgres_sample(1)  # the names are compared in Python, after the same query
@pytest.mark.parametrize("other", OTHER_NAMES)
def test_the_same_id_number_under_another_name_in_one_file_is_refused(app, tmp_path: Path, other: str) -> None:  # type: ignore[no-untyped-def]
    path = _file(tmp_path, row(), row(name=other, **OTHER_DECISION))
    result = invoke(app, "issue", path)
    assert result.exit_code == 1
    assert "row 3, column name: this ID number has the name 李*梅 in row 2; one ID number has one name" in result.stderr
    assert other not in result.stderr  # the row says where; the message repeats no name in full
    assert _counts(app) == (0, 0, 0)


def test_chinese_words_name_the_row_the_column_and_the_masked_name(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", _file(tmp_path, row(), row(name="李小梅", **OTHER_DECISION)), lang="zh")
    assert "第 3 行，姓名 列：该身份证号码在第 2 行的姓名是 李*梅；同一身份证号码只能对应一个姓名" in result.stderr


@pytest.mark.parametrize("typed", ["阿依古丽•买买提", "阿依古丽・买买提", "阿依古丽\u00b7买买提"])
def test_the_same_name_typed_another_way_is_the_same_name(typed: str) -> None:
    first = row(name="阿依古丽·买买提", gender="女")
    parsed = parse_decisions(csv_file(first, row(name=typed, **OTHER_DECISION)), base_dir=Path("."), today=TODAY)
    assert parsed.errors == [] and len(parsed.decisions) == 2


def test_skip_invalid_issues_the_first_name_and_skips_the_other(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(
        app, "issue", _file(tmp_path, row(), row(name="李小梅", **OTHER_DECISION)), "--skip-invalid", "--json"
    )
    assert result.exit_code == 3
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["row"] for record in lines[:-1]] == [2]
    assert lines[-1] == {"summary": {"issued": 1, "already_issued": 0, "invalid_rows": 1}}
    assert _counts(app) == (1, 1, 1)


@pytest.mark.postgres_sample(1)  # the names are compared in Python, after the same query
@pytest.mark.parametrize("other", OTHER_NAMES)
def test_an_id_number_issued_under_one_name_is_refused_under_another(app, tmp_path: Path, other: str) -> None:  # type: ignore[no-untyped-def]
    assert invoke(app, "issue", _file(tmp_path, row(), name="first.csv")).exit_code == 0
    with app.extensions["ecert"].db.read() as session:
        number = session.scalar(select(Certificate.number))
    before = _counts(app)

    result = invoke(app, "issue", _file(tmp_path, row(name=other, **OTHER_DECISION), name="second.csv"))
    assert result.exit_code == 1
    assert (
        f"row 2, column name: this ID number was issued to 李*梅 (certificate {number}); if that name is wrong,"
        f" correct it with ecert correct {number} --set name=… instead of issuing again"
    ) in result.stderr
    assert _counts(app) == before  # nothing reserved: no decision, no certificate, no number

    skipped = invoke(
        app, "issue", _file(tmp_path, row(name=other, **OTHER_DECISION), row(**SOMEONE_ELSE)), "--skip-invalid"
    )
    assert skipped.exit_code == 3
    assert "row 2, column name: this ID number was issued to 李*梅" in skipped.stderr
    assert _counts(app) == (before[0] + 1, before[1] + 1, before[2] + 1)  # 王芳 only


def test_a_corrected_name_is_the_bound_one_and_rerunning_the_old_file_issues_nothing(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, tmp_path: Path
) -> None:
    first = _file(tmp_path, row(), name="first.csv")
    assert invoke(app, "issue", first).exit_code == 0
    with app.extensions["ecert"].db.read() as session:
        number = session.scalar(select(Certificate.number))
    changed = correct(issuance, number, {"name": "李小梅"}, reason="姓名录入错误")
    assert not isinstance(changed, list)

    rerun = invoke(app, "issue", first)  # the same decision: already issued, whatever its old name
    assert rerun.exit_code == 0 and "already issued" in rerun.output

    old_name = invoke(app, "issue", _file(tmp_path, row(**OTHER_DECISION), name="old.csv"))
    assert old_name.exit_code == 1 and "this ID number was issued to 李*梅" in old_name.stderr
    assert invoke(app, "issue", _file(tmp_path, row(name="李小梅", **OTHER_DECISION), name="new.csv")).exit_code == 0


def test_the_reservation_refuses_it_too(issuance: Issuance) -> None:
    # Another process may issue between the check of the file and this row's reservation.
    first = factories.decision(name="张三")
    issue_decision(issuance, first)
    with pytest.raises(IdentityConflict) as caught:
        issue_decision(
            issuance, factories.decision(name="张四", id_number=first.id_number, doc_no="渝卫职改〔2025〕13号")
        )
    assert caught.value.code == "identity.registry" and caught.value.params["name"] == "张*"
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
        assert session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_a_certificate_that_was_only_revoked_binds_no_name(issuance: Issuance) -> None:
    # It may have been revoked because the ID number was somebody else's.
    first = factories.decision(name="张三")
    factories.revoked(issuance, issue_decision(issuance, first).number)
    again = issue_decision(
        issuance, factories.decision(name="张四", id_number=first.id_number, doc_no="渝卫职改〔2025〕13号")
    )
    assert again.status.value == "issued"
