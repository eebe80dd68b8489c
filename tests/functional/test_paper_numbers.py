"""Converted certificates on the verifier's pages and API, and the answer for a pre-2021
paper certificate's number: on an archive roster and not converted → 纸质证书存档记录存在，
尚未转换为电子证书; converted → the electronic certificate; a wrong name → what an unknown
number gives. Roster rows are added directly (the roster importer is its own work)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from ecert.models import RosterEntry, VerificationCount, VerificationEvent
from ecert.settings import RateLimits
from issuer.decisions import Provenance
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories
from tests.functional.test_api import BATCH, CERT, TOKEN, assert_openapi
from tests.functional.test_lookup import csrf_token, submit
from tests.functional.test_pages import CHECKED_AT, assert_light_page, verdict_section
from verifier.runtime import runtime

PAPER = "渝卫高字第0012号"
ARCHIVE = "重庆市大足区人事档案管理中心"
ON_RECORD = "纸质证书存档记录存在，尚未转换为电子证书"


def roster_row(
    issuance: Issuance, *, name: str, paper_number: str, id_number: str | None = None, **fields: object
) -> int:
    values: dict[str, object] = {
        "source_label": "大足区卫生系列 2003",
        "source_file": "roster-2003.xlsx",
        "source_sha256": "0" * 64,
        "sheet": "Sheet1",
        "source_row": 2,
        "name": name,
        "id_number": id_number,
        "series": "卫生",
        "level": "副高级",
        "qualification": "副主任医师",
        "approval_date": date(2003, 7, 1),
        "approval_date_text": "2003年7月1日",
        "approval_date_precision": "day",
        "approving_body": "重庆市卫生系列高级职称评审委员会",
        "doc_no": "渝卫职改〔2003〕12号",
        "paper_number": paper_number,
        "imported_by": "admin",
        "imported_at": datetime(2026, 11, 1, tzinfo=UTC),
        **fields,
    }
    values["row_key"] = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
    with issuance.db.write() as session:
        entry = RosterEntry(**values)
        session.add(entry)
        session.flush()
        return entry.id


def converted(issuance: Issuance, *, name: str = "李晓芸", paper_number: str = PAPER, **fields: object):  # type: ignore[no-untyped-def]
    provenance = Provenance(paper_number, ARCHIVE, date(2026, 11, 10), 7)
    values: dict[str, object] = {"approval_date": date(2003, 7, 1), "doc_no": "渝卫职改〔2003〕12号", **fields}
    return issue_decision(issuance, factories.decision(name=name, provenance=provenance, **values))


def history_rows(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(detailed events, day counters) of the verification history."""
    runtime(app).history.flush()
    with app.extensions["ecert"].db.read() as session:
        events = session.scalar(select(func.count()).select_from(VerificationEvent)) or 0
        counts = session.scalar(select(func.count()).select_from(VerificationCount)) or 0
    return events, counts


def without_volatile(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", re.sub(CHECKED_AT, "", html))


# --------------------------------------------------------------------------- converted certificates


def test_the_qr_page_says_a_converted_certificate_comes_from_paper(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = converted(issuance)
    html = assert_light_page(client.get(f"/v/{issued.token}"))
    assert ">有效<" in verdict_section(html)
    assert "由纸质证书转换" in html and PAPER in html
    assert f"档案材料经{ARCHIVE}于2026年11月10日核验" in html
    assert "李*芸" in html and "李晓芸" not in html  # minimal personal data, as for any certificate
    english = assert_light_page(client.get(f"/v/{issued.token}?lang=en"), lang="en")
    assert "Converted from a paper certificate" in english and PAPER in english

    born = issue_decision(issuance, factories.decision())
    plain = client.get(f"/v/{born.token}").get_data(as_text=True)
    assert "由纸质证书转换" not in plain and "原纸质证书编号" not in plain and "档案核验" not in plain


def test_the_api_carries_the_provenance_and_null_for_born_electronic(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = converted(issuance)
    certificate = assert_openapi(client.get(f"/api/v1/tokens/{issued.token}"), TOKEN)["certificate"]
    provenance = certificate["provenance"]
    assert provenance["converted_from"] == "paper"
    assert (provenance["paper_number"], provenance["verified_by"], provenance["verified_on"]) == (
        PAPER,
        ARCHIVE,
        "2026-11-10",
    )
    assert provenance["text_zh"] == f"由纸质证书转换，原证书编号{PAPER}，档案材料经{ARCHIVE}于2026年11月10日核验"
    assert "application_id" not in provenance
    by_number = client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": "李晓芸"})
    assert assert_openapi(by_number, CERT)["certificate"]["provenance"] == provenance
    batch = client.post("/api/v1/batch", json={"items": [{"number": issued.number, "name": "李晓芸"}]})
    assert assert_openapi(batch, BATCH, "post")["results"][0]["certificate"]["provenance"] == provenance

    born = issue_decision(issuance, factories.decision())
    assert assert_openapi(client.get(f"/api/v1/tokens/{born.token}"), TOKEN)["certificate"]["provenance"] is None


def test_a_corrected_converted_certificate_still_shows_its_provenance(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = converted(issuance)
    changed = correct(issuance, issued.number, {"employer": "重庆市大足区中医院"}, reason="单位名称有误")
    assert not isinstance(changed, list)
    for token in (issued.token, changed.token):  # the superseded version and the current one
        certificate = assert_openapi(client.get(f"/api/v1/tokens/{token}"), TOKEN)["certificate"]
        assert certificate["provenance"]["paper_number"] == PAPER
    assert PAPER in client.get(f"/v/{changed.token}").get_data(as_text=True)


# --------------------------------------------------------------------------- paper numbers


def test_a_paper_number_on_a_roster_with_the_right_name_is_on_record_not_converted(
    app, issuance: Issuance, client
) -> None:  # type: ignore[no-untyped-def]
    roster_row(issuance, name="王建国", paper_number=PAPER, id_number=factories.id_number())
    response = submit(client, PAPER, "王建国")
    assert response.status_code == 200
    html = assert_light_page(response)
    section = verdict_section(html)
    assert ">存档记录存在<" in section and ON_RECORD in section and ">未找到<" not in section
    assert issuance.settings.office_name in section  # whom to ask
    assert "副主任医师" in html and "2003年" in html
    # The minimum: no name (not even masked), no ID number, employer, 文号 or full date.
    for private in ("王建国", "王*国", "渝卫职改", "2003年7月1日"):
        assert private not in html
    # Typed with full-width digits and spaces, as people copy it.
    assert ON_RECORD in submit(client, " 渝卫高字第００１２号 ", "王建国").get_data(as_text=True)

    api = client.get(f"/api/v1/certificates/{PAPER}", query_string={"name": "王建国"})
    assert api.status_code == 200
    body = assert_openapi(api, CERT)
    assert body["certificate"] is None
    record = body["paper_record"]
    assert record["status"] == "on_record_not_converted"
    assert (record["qualification"], record["approval_year"]) == ("副主任医师", 2003)
    assert record["explanation_zh"].startswith(ON_RECORD)
    assert record["contact"]["office"] == issuance.settings.office_name
    assert "王" not in str(record) and "name" not in record and "id_number" not in record

    batch = client.post("/api/v1/batch", json={"items": [{"number": PAPER, "name": "王建国"}]})
    result = assert_openapi(batch, BATCH, "post")["results"][0]
    assert result["status"] == "on_record_not_converted" and result["certificate"] is None
    assert result["paper_record"]["approval_year"] == 2003
    assert batch.get_json()["counts"] == {"on_record_not_converted": 1}

    assert history_rows(app) == (0, 0)  # a paper record names no certificate: nothing recorded
    english = client.post(
        "/lookup?lang=en", data={"csrf_token": csrf_token(client), "number": PAPER, "name": "王建国"}
    ).get_data(as_text=True)
    assert "has not been converted to an electronic certificate yet" in english and ON_RECORD not in english


def test_a_wrong_name_answers_as_an_unknown_number_does(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    roster_row(issuance, name="王建国", paper_number=PAPER)
    wrong, unknown = submit(client, PAPER, "王建民"), submit(client, "渝卫高字第9999号", "王建国")
    assert wrong.status_code == unknown.status_code == 400  # the format error a paper number always had
    wrong_html, unknown_html = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert "证书编号的格式应如" in wrong_html and ON_RECORD not in wrong_html and "副主任医师" not in wrong_html
    assert without_volatile(wrong_html) == without_volatile(unknown_html)

    api_wrong = client.get(f"/api/v1/certificates/{PAPER}", query_string={"name": "王建民"})
    api_unknown = client.get("/api/v1/certificates/渝卫高字第9999号", query_string={"name": "王建国"})
    assert api_wrong.status_code == api_unknown.status_code == 400
    assert assert_openapi(api_wrong, CERT) == assert_openapi(api_unknown, CERT)
    assert api_wrong.get_json()["error"]["code"] == "invalid_number"
    results = client.post(
        "/api/v1/batch",
        json={"items": [{"number": PAPER, "name": "王建民"}, {"number": "渝卫高字第9999号", "name": "王建国"}]},
    )
    wrong_item, unknown_item = assert_openapi(results, BATCH, "post")["results"]
    assert wrong_item["error"] == unknown_item["error"] and wrong_item["error"]["code"] == "invalid_number"
    assert wrong_item["paper_record"] is None


def test_a_converted_paper_number_answers_with_the_electronic_certificate(app, issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    roster_row(issuance, name="李晓芸", paper_number=PAPER)
    issued = converted(issuance)
    html = assert_light_page(submit(client, PAPER, "李晓芸"))
    assert ">有效<" in verdict_section(html) and issued.number in html and ON_RECORD not in html
    assert "由纸质证书转换" in html
    body = assert_openapi(client.get(f"/api/v1/certificates/{PAPER}", query_string={"name": "李晓芸"}), CERT)
    assert body["certificate"]["number"] == issued.number and "paper_record" not in body
    assert body["certificate"]["provenance"]["paper_number"] == PAPER
    assert history_rows(app) == (2, 2)  # the certificate was checked: its history says so (lookup, api)

    # Its current status: revoked now, so the paper number says revoked too.
    factories.revoked(issuance, issued.number)
    assert ">已撤销<" in verdict_section(submit(client, PAPER, "李晓芸").get_data(as_text=True))
    assert client.get(f"/api/v1/certificates/{PAPER}?name=李晓芸").get_json()["certificate"]["status"] == "revoked"


def test_a_paper_number_converted_under_a_corrected_name_points_to_the_certificate(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    id_number = factories.id_number()
    roster_row(issuance, name="李晓云", paper_number=PAPER, id_number=id_number)
    # The roster had a typo in the name; the holder's ID number links the two.
    issued = converted(issuance, name="李晓芸", id_number=id_number)
    html = submit(client, PAPER, "李晓云").get_data(as_text=True)
    assert ">有效<" in verdict_section(html) and issued.number in html and ON_RECORD not in html


def test_a_number_of_our_shape_with_a_typo_still_says_so_and_costs_nothing(issuance: Issuance) -> None:
    from ecert.app import create_app

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(lookup="100/minute", api="100/minute")))
    app.testing = True
    client = app.test_client()
    try:
        roster_row(issuance, name="王建国", paper_number=PAPER)
        # Paper lookups that find nothing spend the name's budget like any miss (5 per client)...
        for _ in range(5):
            assert client.get(f"/api/v1/certificates/{PAPER}", query_string={"name": "王建民"}).status_code == 400
        spent = client.get(f"/api/v1/certificates/{PAPER}", query_string={"name": "王建民"})
        assert spent.status_code == 429 and spent.get_json()["error"]["code"] == "name_rate_limited"
        # ... while the right name is unaffected, and an ID number typed as a number is never looked up.
        assert client.get(f"/api/v1/certificates/{PAPER}", query_string={"name": "王建国"}).status_code == 200
        for _ in range(6):
            typed = client.get(f"/api/v1/certificates/{factories.id_number()}", query_string={"name": "王建华"})
            assert typed.status_code == 400 and typed.get_json()["error"]["code"] == "invalid_number"
    finally:
        app.extensions["ecert"].db.dispose()


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_number_is_never_a_paper_number(client, typed: str) -> None:  # type: ignore[no-untyped-def]
    assert submit(client, typed, "王建国").status_code == 400


def test_the_upload_verdict_lists_the_provenance(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    from tests.functional.test_upload import upload

    issued = converted(issuance)
    html = upload(client, issuance.store.get(issued.sha256)).get_data(as_text=True)
    assert ">有效<" in html and "由纸质证书转换" in html and PAPER in html
    assert f"档案材料经{ARCHIVE}于2026年11月10日核验" in html


def test_a_roster_row_converted_through_an_application_points_to_its_certificate(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    from ecert.models import Account, LegacyApplication

    at = datetime(2026, 11, 10, tzinfo=UTC)
    # The roster has neither the ID number nor the name the certificate was issued under.
    entry = roster_row(issuance, name="张伟", paper_number="渝卫初字第0777号")
    issued = converted(issuance, name="张玮", paper_number="渝卫初字0777号")
    with issuance.db.write() as session:
        account = Account(kind="holder", login="holder-1", name="张玮", password_hash="x", created_at=at)
        session.add(account)
        session.flush()
        session.add(
            LegacyApplication(
                account_id=account.id,
                id_number=factories.id_number(),
                case="intact",
                status="approved",
                roster_entry_id=entry,
                certificate_number=issued.number,
                created_at=at,
                updated_at=at,
            )
        )
    html = submit(client, "渝卫初字第0777号", "张伟").get_data(as_text=True)
    assert ">有效<" in verdict_section(html) and issued.number in html and ON_RECORD not in html
    assert "张*" in html and "张玮" not in html  # the certificate's own name, masked


def test_the_console_correction_keeps_the_provenance_and_has_no_field_for_it(app, issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    from tests.functional.test_console_correct import correction
    from tests.functional.test_console_revoke import staff_client

    issued = converted(issuance)
    approver = staff_client(app, "wang.approver", "approver")
    page = approver.get(f"/console/certificates/{issued.number}/correct").get_data(as_text=True)
    assert f"原纸质证书编号 {PAPER}" in page and "不能更正" in page
    assert 'name="paper_number"' not in page and 'name="provenance"' not in page
    # A paper number posted anyway is no field of the form: ignored, the stored one is kept.
    done = correction(approver, issued.number, "confirm", employer="重庆市大足区中医院", paper_number="X-1")
    assert done.status_code == 302, done.get_data(as_text=True)
    current = assert_openapi(
        client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": "李晓芸"}), CERT
    )["certificate"]
    assert current["version"] == 2 and current["provenance"]["paper_number"] == PAPER


def test_a_number_with_code_points_no_text_has_answers_as_unknown_not_500(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    roster_row(issuance, name="王建国", paper_number=PAPER)
    hostile = [{"number": f"AB{ch}CD", "name": "王建国"} for ch in ("\ud800", "\ue000", "\x00")]
    # As a client sends them: JSON escapes (\\ud800), which decode to a lone surrogate.
    body = json.dumps({"items": hostile}, ensure_ascii=True)
    results = client.post("/api/v1/batch", data=body, content_type="application/json")
    assert results.status_code == 200
    assert {item["error"]["code"] for item in assert_openapi(results, BATCH, "post")["results"]} == {"invalid_number"}
