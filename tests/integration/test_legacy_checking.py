"""check_application on real rows: roster, other applicants' evidence, existing certificates,
and OCR of evidence stored in the blob store (SQLite; the queries are plain indexed lookups)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import imagehash
import pytest
from PIL import Image

from ecert.db import Database, connect
from ecert.models import (
    Account,
    Certificate,
    CertificateStatus,
    Decision,
    Holder,
    LegacyApplication,
    LegacyEvidence,
    RosterEntry,
)
from ecert.storage import FileBlobStore
from legacy_import.checking import HIGH, check_application, max_severity, read_missing_texts
from legacy_import.finding_words import describe
from tests.factories import id_number
from tests.legacy_forms import encoded, report_form

NOW = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
TODAY = date(2026, 11, 26)
CLAIM = {
    "name": "王莉",
    "gender": "女",
    "qualification": "高级工程师",
    "series": "工程",
    "level": "副高级",
    "approval_date": "2003-07-01",
    "approving_body": "重庆市工程系列高级职称评审委员会",
    "doc_no": "渝人社发〔2003〕25号",
    "paper_number": "GC20030125",
}


@pytest.fixture
def db(database_url: str) -> Any:
    database = connect(database_url)
    yield database
    database.dispose()


@pytest.fixture
def store(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


def account(session: Any, number: str) -> Account:
    person = Account(kind="holder", login=number, name="王莉", password_hash="x", created_at=NOW)
    session.add(person)
    session.flush()
    return person


def application(
    session: Any, number: str, claim: dict[str, str] | None = None, case: str = "lost"
) -> LegacyApplication:
    row = LegacyApplication(
        account_id=account(session, number).id,
        id_number=number,
        case=case,
        status="submitted",
        claim=claim or dict(CLAIM),
        created_at=NOW,
        updated_at=NOW,
        submitted_at=NOW,
    )
    session.add(row)
    session.flush()
    return row


def evidence(
    session: Any, store: FileBlobStore, owner: LegacyApplication, data: bytes, **overrides: Any
) -> LegacyEvidence:
    values: dict[str, Any] = {
        "application_id": owner.id,
        "kind": "report_form",
        "sha256": store.put(data),
        "original_sha256": hashlib.sha256(b"upload:" + data).hexdigest(),
        "content_type": "image/png",
        "original_name": "呈报表.png",
        "size": len(data),
        "uploaded_at": NOW,
        **overrides,
    }
    if "image_hash" not in values:
        values["image_hash"] = str(imagehash.phash(Image.open(io.BytesIO(data))))
    row = LegacyEvidence(**values)
    session.add(row)
    session.flush()
    return row


def roster_row(session: Any, **overrides: Any) -> RosterEntry:
    values: dict[str, Any] = {
        "row_key": hashlib.sha256(repr(sorted(overrides.items())).encode()).hexdigest(),
        "source_label": "大足区档案馆",
        "source_file": "2003.xlsx",
        "source_sha256": "0" * 64,
        "source_row": 12,
        "name": "王丽",
        "qualification": "高级工程师",
        "approval_date": date(2003, 7, 1),
        "approval_date_precision": "day",
        "doc_no": "渝人社发〔2003〕25号",
        "paper_number": "GC20030125",
        "imported_by": "archivist",
        "imported_at": NOW,
        **overrides,
    }
    row = RosterEntry(**values)
    session.add(row)
    session.flush()
    return row


def decision(session: Any, number: str, **overrides: Any) -> Decision:
    holder = session.query(Holder).filter_by(id_number=number).one_or_none()
    if holder is None:
        holder = Holder(id_number=number, name="王莉", gender="女", created_at=NOW)
        session.add(holder)
        session.flush()
    values: dict[str, Any] = {
        "identity_key": hashlib.sha256(repr((number, sorted(overrides.items()))).encode()).hexdigest(),
        "holder_id": holder.id,
        "name": "王莉",
        "gender": "女",
        "employer": "重庆市大足区人民医院",
        "series": "工程",
        "specialty": "土木",
        "level": "中级",
        "qualification": "工程师",
        "grant_route": "evaluation",
        "approval_date": date(2022, 1, 1),
        "approving_body": "评委会",
        "doc_no": "渝人社发〔2022〕1号",
        "created_at": NOW,
        **overrides,
    }
    row = Decision(**values)
    session.add(row)
    session.flush()
    session.add(
        Certificate(
            decision_id=row.id,
            office_code="500111",
            number=f"ZC5001112026{row.id:06d}X",
            version=1,
            token=f"t{row.id:031d}",
            status=CertificateStatus.VALID,
            reserved_at=NOW,
        )
    )
    return row


def run(db: Database, application_id: int, store: FileBlobStore | None = None) -> Any:
    with db.write() as session:
        row = session.get(LegacyApplication, application_id)
        result = check_application(session, row, today=TODAY, store=store)
        row.findings = [finding.as_json() for finding in result.findings]
        row.max_severity = max_severity(result.findings)
        row.roster_entry_id = result.roster_entry_id
        return result


def by_code(result: Any) -> dict[str, Any]:
    return {finding.code: finding for finding in result.findings}


def test_a_genuine_application_matches_its_roster_row_and_ocr_reads_its_scan(
    db: Database, store: FileBlobStore
) -> None:
    number = id_number(birth="19700312", male=False)
    scan = encoded(
        report_form(name="王莉", id_number=number, qualification="高级工程师", doc_no="渝人社发〔2003〕25号")
    )
    with db.write() as session:
        mine = application(session, number)
        item = evidence(session, store, mine, scan)
        fifteen = number[:6] + number[8:17]
        entry = roster_row(session, id_number=number, id_number_original=fifteen)
        roster_row(session, name="李明", id_number=id_number(), paper_number="GC19990001")  # someone else's
        mine_id, entry_id, item_id = mine.id, entry.id, item.id

    result = run(db, mine_id, store)

    found = by_code(result)
    assert result.roster_entry_id == entry_id
    assert {"roster.id_upgraded", "roster.homophone", "ocr.found"} <= set(found)
    assert found["roster.homophone"].params["roster"] == "王丽"
    assert found["ocr.found"].params["fields"] == ["name", "id_number", "qualification", "doc_no"]
    assert max_severity(result.findings) < HIGH
    with db.read() as session:
        stored = session.get(LegacyApplication, mine_id)
        assert stored.roster_entry_id == entry_id
        assert {f["code"] for f in stored.findings} == set(found)
        assert "王莉" in session.get(LegacyEvidence, item_id).ocr_text.replace(" ", "")
    for finding in result.findings:  # every finding reads, and none shows the ID number
        assert number not in describe(finding.code, finding.params)


def test_duplicates_existing_certificates_and_a_missing_roster_row_are_found(
    db: Database, store: FileBlobStore
) -> None:
    number, other = id_number(birth="19700312", male=False), id_number(birth="19751201")
    scan = encoded(
        report_form(name="王莉", id_number=number, qualification="高级工程师", doc_no="渝人社发〔2003〕25号", noise=0)
    )
    resaved = report_form(
        name="王莉", id_number=number, qualification="高级工程师", doc_no="渝人社发〔2003〕25号", noise=0
    )
    resaved = resaved.resize((resaved.width // 2, resaved.height // 2)).convert("RGB")
    with db.write() as session:
        theirs = application(session, other, {**CLAIM, "name": "张三"})
        evidence(session, store, theirs, scan, ocr_text="")  # the very same file
        mine = application(
            session, number, {**CLAIM, "qualification": "工程师", "level": "中级", "paper_number": "P-1"}
        )
        evidence(session, store, mine, scan, ocr_text="")
        near = application(session, id_number(birth="19800101"))
        evidence(session, store, near, encoded(resaved, "JPEG", quality=50), content_type="image/jpeg", ocr_text="")
        decision(session, number)  # 工程师 already issued to this holder
        decision(
            session, other, qualification="高级工程师", paper_number="P-1"
        )  # the paper number, converted for another
        mine_id, theirs_id, near_id = mine.id, theirs.id, near.id

    result = run(db, mine_id, store)

    found = [(f.code, f.params.get("application_id"), f.params.get("how")) for f in result.findings]
    assert ("evidence.duplicate_other", theirs_id, "same_file") in found
    assert ("evidence.duplicate_other", near_id, "near_image") in found
    codes = {f.code for f in result.findings}
    assert {"certificate.exists", "certificate.paper_converted_other", "roster.none"} <= codes
    assert result.roster_entry_id is None
    assert max_severity(result.findings) == HIGH


def test_read_missing_texts_reads_outside_the_check_and_the_check_then_reads_nothing(
    db: Database, store: FileBlobStore
) -> None:
    number = id_number(birth="19700312", male=False)
    scan = encoded(
        report_form(name="王莉", id_number=number, qualification="高级工程师", doc_no="渝人社发〔2003〕25号")
    )
    with db.write() as session:
        mine = application(session, number, case="intact")
        evidence(session, store, mine, scan, kind="paper_certificate")
        evidence(
            session,
            store,
            mine,
            b"%PDF-1.7 no thumbnail",
            kind="archive_letter",
            content_type="application/pdf",
            image_hash=None,
        )
        mine_id = mine.id

    assert read_missing_texts(db, mine_id, store=store) == 2
    with db.read() as session:
        texts = [
            e.ocr_text
            for e in session.query(LegacyEvidence).filter_by(application_id=mine_id).order_by(LegacyEvidence.id)
        ]
    assert texts[0] and texts[1] == ""  # a PDF without a thumbnail: nothing to read, not tried again

    result = run(db, mine_id, store=None)  # no store: no OCR run, the stored text is used
    assert "ocr.found" in by_code(result)
    assert "evidence.missing" not in by_code(result)


def test_roster_rows_are_gathered_by_15_digit_number_by_paper_number_and_by_doc_no_with_a_homophone(
    db: Database,
) -> None:
    number = id_number(birth="19700312", male=False)
    with db.write() as session:
        mine = application(session, number, {**CLAIM, "paper_number": "gc2003-0125"})
        by_doc_no = roster_row(session, id_number=None, paper_number=None, source_row=40)  # 王丽, the same 文号
        fifteen = roster_row(session, id_number=number[:6] + number[8:17], paper_number=None, doc_no=None)
        namesake = roster_row(
            session, id_number=None, name="周强", paper_number=None, source_row=41
        )  # same 文号, other name
        theirs = roster_row(session, id_number=id_number(), name="李明", doc_no=None, source_row=42)  # the paper number
        unrelated = roster_row(
            session, id_number=id_number(), name="赵六", paper_number="X", doc_no="渝人社发〔1999〕1号"
        )
        mine_id, fifteen_id = mine.id, fifteen.id
        ids = (by_doc_no.id, fifteen.id, namesake.id, theirs.id, unrelated.id)

    from legacy_import.checking import roster_candidates
    from legacy_import.checks import claim_facts

    with db.read() as session:
        claim = session.get(LegacyApplication, mine_id).claim
        gathered = [row.id for row in roster_candidates(session, claim_facts(number, claim))]
    assert gathered == [ids[0], ids[1], ids[3]]  # not the namesake of another name, not the unrelated row

    result = run(db, mine_id)
    found = by_code(result)
    assert result.roster_entry_id == fifteen_id  # the ID number outranks a name and a 文号
    assert found["roster.paper_number_other"].params["roster_id"] == ids[3]
    assert "roster.id_upgraded" in found and "roster.homophone" in found


def test_a_pdfs_first_page_is_read_from_its_thumbnail(db: Database, store: FileBlobStore) -> None:
    number = id_number(birth="19700312", male=False)
    form = report_form(name="王莉", id_number=number, qualification="高级工程师", doc_no="渝人社发〔2003〕25号")
    form.thumbnail((1000, 1414))
    thumbnail = store.put(encoded(form))
    with db.write() as session:
        mine = application(session, number)
        pdf = b"%PDF-1.7 cleaned"
        evidence(session, store, mine, pdf, content_type="application/pdf", image_hash=None, thumbnail_sha256=thumbnail)
        mine_id = mine.id

    result = run(db, mine_id, store)

    assert "name" in by_code(result)["ocr.found"].params["fields"]


def test_a_missing_blob_is_not_read_and_tried_again_at_the_next_check(db: Database, store: FileBlobStore) -> None:
    number = id_number(birth="19700312", male=False)
    with db.write() as session:
        mine = application(session, number)
        gone = evidence(session, store, mine, encoded(Image.new("L", (50, 50), 255)))
        gone.sha256 = "f" * 64  # not in the store
        mine_id, gone_id = mine.id, gone.id

    result = run(db, mine_id, store)

    assert "ocr.found" not in by_code(result) and "ocr.no_text" not in by_code(result)
    with db.read() as session:
        assert session.get(LegacyEvidence, gone_id).ocr_text is None
