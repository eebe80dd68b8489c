"""Holders register a pre-2021 paper certificate in 我的证书: choose the case, keep the claim
as a draft, upload evidence, submit with the integrity commitment, answer a 补正 request,
withdraw. Nothing typed is lost on a refused upload or an expired login; another holder
finds nothing; every step is audited with no ID number in it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from ecert.kernel import kernel
from ecert.models import AuditEvent, LegacyApplication, LegacyEvidence
from issuer.services.issuance import Issuance
from legacy_import import IllegalTransition, applications
from legacy_import.application_views import MAX_FILE_BYTES
from tests import factories
from tests.functional.test_corrections import png_bytes
from tests.functional.test_portal import PASSWORD, code_in, csrf, outbox, post, register

ID_A = factories.id_number(birth="19650312", male=False)
ID_B = factories.id_number(birth="19700101")
LOST_CLAIM = {
    "name": "王丽",
    "gender": "女",
    "qualification": "工程师",
    "series": "工程",
    "specialty": "土木工程",
    "level": "中级",
    "grant_route": "evaluation",
    "approval_date": "1998年9月",
    "approving_body": "四川省大足县职称改革领导小组",
    "doc_no": "",
    "paper_number": "",
    "employer": "大足县建筑公司",
}


def holder(app, issuance: Issuance, name: str, id_number: str, mobile: str):  # type: ignore[no-untyped-def]
    """A logged-in holder whose account is bound to no registry holder (no electronic certificate)."""
    client = app.test_client()
    confirm = register(client, issuance, name, id_number, mobile)
    assert post(client, confirm, code=code_in(outbox(issuance, mobile)[-1])).status_code == 302
    return client


def start(client, case: str) -> int:  # type: ignore[no-untyped-def]
    response = post(client, "/my/paper-certificates/", case=case)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def page(client, application_id: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/my/paper-certificates/{application_id}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def form_key(client, application_id: int) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="form_key" value="([^"]+)"', page(client, application_id))
    assert match
    return match.group(1)


def send(client, application_id: int, action: str = "save", file=None, key: str | None = None, **fields: Any):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"form_key": key or form_key(client, application_id), "action": action, **fields}
    if file is not None:
        data["evidence"] = file
    return client.post(f"/my/paper-certificates/{application_id}", data=data, content_type="multipart/form-data")


def png(name: str = "评审表.png"):  # type: ignore[no-untyped-def]
    return (io.BytesIO(png_bytes()), name)


def row(app, application_id: int) -> LegacyApplication:  # type: ignore[no-untyped-def]
    with kernel(app).db.read() as session:
        found = session.get(LegacyApplication, application_id)
        assert found is not None
        session.expunge(found)
        return found


def evidence_of(app, application_id: int) -> list[LegacyEvidence]:  # type: ignore[no-untyped-def]
    with kernel(app).db.read() as session:
        rows = list(session.scalars(select(LegacyEvidence).where(LegacyEvidence.application_id == application_id)))
        session.expunge_all()
        return rows


def events(app, application_id: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with kernel(app).db.read() as session:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.subject == f"legacy_application:{application_id}")
                .order_by(AuditEvent.seq)
            )
        )
        session.expunge_all()
        return rows


def set_status(app, application_id: int, status: str, **values: Any) -> None:  # type: ignore[no-untyped-def]
    """What staff's side does (review, another helper's): the holder only reads it."""
    with kernel(app).db.write() as session:
        found = session.get(LegacyApplication, application_id)
        assert found is not None
        found.status = status
        for name, value in values.items():
            setattr(found, name, value)


@pytest.fixture
def a(app, issuance: Issuance):  # type: ignore[no-untyped-def]
    return holder(app, issuance, "王丽", ID_A, "13800138001")


def test_the_index_explains_each_case_and_a_new_draft_takes_name_and_gender_from_the_account(app, a) -> None:  # type: ignore[no-untyped-def]
    html = a.get("/my/paper-certificates/").get_data(as_text=True)
    assert "纸质证书遗失或损毁" in html and "《考核确定职称呈报表》" in html and "您还没有转换申请" in html
    assert "纸质证书转换申请" in a.get("/my/").get_data(as_text=True)  # linked from 我的证书, unbound too
    application_id = start(a, "lost")
    html = page(a, application_id)
    assert 'value="王丽"' in html and '<option value="女" selected>' in html
    found = row(app, application_id)
    assert (found.status, found.case, found.id_number, found.claim) == (
        "draft",
        "lost",
        ID_A,
        {"name": "王丽", "gender": "女"},
    )
    assert f"申请 {application_id}" in a.get("/my/paper-certificates/").get_data(as_text=True)
    assert post(a, "/my/paper-certificates/", case="forged").status_code == 400


def test_a_lost_certificate_is_filled_in_with_evidence_and_submitted_with_the_commitment(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    assert send(a, application_id, **LOST_CLAIM).status_code == 302
    assert row(app, application_id).claim == LOST_CLAIM
    uploaded = send(a, application_id, "upload", png(), kind="review_form")
    assert uploaded.status_code == 302 and "added=1" in uploaded.headers["Location"]
    html = page(a, application_id)
    assert "《职称申报评审表》" in html and "评审表.png" in html

    sent = send(a, application_id, "submit", commitment="y", **LOST_CLAIM)
    assert sent.status_code == 302 and "sent=1" in sent.headers["Location"]
    found = row(app, application_id)
    assert found.status == "submitted" and found.submitted_at is not None
    assert found.commitment_text == applications.COMMITMENT_TEXT and "诚信承诺" in found.commitment_text
    assert found.commitment_accepted_at is not None
    # The checks ran: no roster is imported, so the claim matches none (a finding for staff,
    # never a refusal), and the PNG has no text for the OCR to find.
    codes = {finding["code"] for finding in found.findings}
    assert {"roster.none", "ocr.no_text"} <= codes
    assert (found.max_severity, found.roster_entry_id) == (2, None)
    html = page(a, application_id)
    assert "已提交，等待审查" in html and 'name="form_key"' not in html and "工程师" in html

    actions = [event.action for event in events(app, application_id)]
    assert actions == ["legacy.application_started", "legacy.draft_saved", "legacy.evidence_added", "legacy.submitted"]
    for event in events(app, application_id):
        assert ID_A not in str(event.payload) and "王丽" not in str(event.payload)
        assert event.actor == f"account:{found.account_id}"


@pytest.mark.parametrize(
    ("case", "uploaded", "missing"),
    [
        ("intact", "review_form", "纸质证书扫描件或照片"),  # an intact certificate needs its own scan
        ("lost", "paper_certificate", "《职称申报评审表》、《考核确定职称呈报表》、人事档案管理部门出具的证明"),
        ("incomplete", None, "《职称申报评审表》、《考核确定职称呈报表》、人事档案管理部门出具的证明"),
    ],
)
def test_submitting_needs_the_evidence_of_the_case(app, a, case: str, uploaded: str | None, missing: str) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, case)
    claim = {**LOST_CLAIM, "paper_number": "川职00123"}
    if uploaded:
        assert send(a, application_id, "upload", png(), kind=uploaded).status_code == 302
    refused = send(a, application_id, "submit", commitment="y", **claim)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "还不能提交" in html and f"请上传以下材料之一：{missing}" in html
    assert 'value="川职00123"' in html  # the page keeps what was typed ...
    assert row(app, application_id).claim["paper_number"] == "川职00123"  # ... and so does the draft
    assert row(app, application_id).status == "draft"


def test_submitting_names_the_missing_fields_and_needs_the_commitment(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "intact")
    assert send(a, application_id, "upload", png("证书.png"), kind="paper_certificate").status_code == 302
    refused = send(a, application_id, "submit", name="王丽", gender="女", qualification="工程师")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "请填写：系列、层级、审批时间、审批机关、纸质证书编号" in html
    assert "请阅读并勾选诚信承诺与真实保证" in html
    without = send(a, application_id, "submit", **{**LOST_CLAIM, "paper_number": "川职00123"})
    assert without.status_code == 400 and "请阅读并勾选诚信承诺与真实保证" in without.get_data(as_text=True)
    assert "请填写" not in without.get_data(as_text=True)
    assert row(app, application_id).status == "draft" and row(app, application_id).commitment_text is None


def test_after_submitting_nothing_can_be_submitted_again_or_edited(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    key = form_key(a, application_id)
    assert send(a, application_id, "upload", png(), key=key, kind="archive_letter").status_code == 302
    assert send(a, application_id, "submit", key=key, commitment="y", **LOST_CLAIM).status_code == 302
    [evidence] = evidence_of(app, application_id)

    again = send(a, application_id, "submit", key=key, commitment="y", **LOST_CLAIM)
    assert again.status_code == 409 and "不能提交" in again.get_data(as_text=True)
    edited = send(a, application_id, "save", key=key, **{**LOST_CLAIM, "qualification": "高级工程师"})
    assert edited.status_code == 409 and "不能保存" in edited.get_data(as_text=True)
    upload = send(a, application_id, "upload", png(), key=key, kind="review_form")
    assert upload.status_code == 409 and "不能上传材料" in upload.get_data(as_text=True)
    removed = post(
        a,
        f"/my/paper-certificates/{application_id}/evidence/{evidence.id}/remove",
        f"/my/paper-certificates/{application_id}",
    )
    assert removed.status_code == 409 and "不能删除材料" in removed.get_data(as_text=True)
    assert row(app, application_id).claim["qualification"] == "工程师" and len(evidence_of(app, application_id)) == 1
    assert [e.action for e in events(app, application_id)].count("legacy.submitted") == 1


def test_a_draft_cannot_be_resubmitted(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    assert send(a, application_id, "upload", png(), kind="archive_letter").status_code == 302
    refused = send(a, application_id, "resubmit", commitment="y", **LOST_CLAIM)
    assert refused.status_code == 409 and "不能重新提交" in refused.get_data(as_text=True)
    assert row(app, application_id).status == "draft"
    with pytest.raises(IllegalTransition):
        applications.submit(
            kernel(app).db, account_id=row(app, application_id).account_id, application_id=application_id,
            action="resubmit", typed=None, commitment=applications.COMMITMENT_TEXT,
            now=kernel(app).clock(), today=kernel(app).clock().date(),
        )  # fmt: skip


def test_a_returned_application_is_corrected_and_resubmitted(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    assert send(a, application_id, "upload", png(), kind="archive_letter").status_code == 302
    assert send(a, application_id, "submit", commitment="y", **LOST_CLAIM).status_code == 302
    first = row(app, application_id).submitted_at
    change = {
        "field": "specialty",
        "old": "土木",
        "new": "土木工程",
        "reason": "按评审表更正",
        "by": "staff:1",
        "at": "2026-12-01",
    }
    set_status(
        app, application_id, "returned", staff_message="请补充《考核确定职称呈报表》，并核对取得资格时间。",
        findings=[{"code": "old", "severity": 2, "params": {}}], max_severity=2, staff_changes=[change],
    )  # fmt: skip
    html = page(a, application_id)
    assert "退回补正" in html and "请补充《考核确定职称呈报表》" in html and "按评审表更正" in html
    assert "重新提交" in html and 'name="form_key"' in html

    corrected = {**LOST_CLAIM, "approval_date": "1998年10月"}
    assert send(a, application_id, "upload", png("呈报表.png"), kind="report_form", **corrected).status_code == 302
    submitted = send(a, application_id, "submit", commitment="y", **corrected)
    assert submitted.status_code == 409  # a returned application is resubmitted, not submitted
    assert send(a, application_id, "resubmit", commitment="y", **corrected).status_code == 302
    found = row(app, application_id)
    assert found.status == "submitted" and found.claim["approval_date"] == "1998年10月"
    assert found.submitted_at is not None and first is not None and found.submitted_at >= first
    assert found.max_severity == 2 and found.findings  # the checks ran again on resubmit
    assert {e.kind for e in evidence_of(app, application_id)} == {"archive_letter", "report_form"}
    actions = [e.action for e in events(app, application_id)]
    assert actions[-3:] == ["legacy.draft_saved", "legacy.evidence_added", "legacy.resubmitted"]


def test_withdrawing_asks_first_and_then_is_final(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    confirm = a.get(f"/my/paper-certificates/{application_id}/withdraw")
    assert confirm.status_code == 200 and "确定撤回" in confirm.get_data(as_text=True)
    assert row(app, application_id).status == "draft"  # the GET only asks
    url = f"/my/paper-certificates/{application_id}/withdraw"
    assert post(a, url).status_code == 302
    assert row(app, application_id).status == "withdrawn"
    assert events(app, application_id)[-1].action == "legacy.withdrawn"
    assert events(app, application_id)[-1].payload == {"from": "draft"}
    html = page(a, application_id)
    assert "您已撤回此申请" in html and "撤回此申请" not in html.replace("您已撤回此申请", "")
    again = a.post(url, data={"csrf_token": csrf(a, "/my/paper-certificates/")})
    assert again.status_code == 409 and "不能撤回" in again.get_data(as_text=True)


def test_an_approved_application_shows_its_certificate_and_cannot_be_withdrawn(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    set_status(app, application_id, "approved", certificate_number="DZ2026000123X")
    html = page(a, application_id)
    assert "已通过审核" in html and "DZ2026000123X" in html and "撤回此申请" not in html
    assert 'href="/my/"' in html  # this account sees no certificate yet: 我的证书 shows it once bound
    assert post(a, f"/my/paper-certificates/{application_id}/withdraw").status_code == 409


def test_a_rejected_application_shows_the_reason(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    set_status(app, application_id, "rejected", staff_message="档案中无此职称的评审记录。")
    html = page(a, application_id)
    assert "未通过" in html and "档案中无此职称的评审记录" in html and 'name="form_key"' not in html


def test_a_refused_upload_keeps_the_typed_claim_and_says_why(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    gif = (io.BytesIO(b"GIF89a" + b"\0" * 64), "证书.pdf")
    refused = send(a, application_id, "upload", gif, kind="paper_certificate", **LOST_CLAIM)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # Why, in Chinese (the words are the evidence work's once it is merged: any of them will do here).
    assert re.search(r'<p class="error" id="evidence-error" role="alert">[^<]*(PDF|JPEG|PNG)[^<]*</p>', html)
    assert "您填写的内容已保存为草稿" in html
    assert 'value="四川省大足县职称改革领导小组"' in html and 'value="大足县建筑公司"' in html
    assert row(app, application_id).claim == LOST_CLAIM and evidence_of(app, application_id) == []
    no_kind = send(a, application_id, "upload", png(), **LOST_CLAIM)
    assert no_kind.status_code == 400 and "请选择这份材料是什么" in no_kind.get_data(as_text=True)


def test_an_oversized_upload_is_refused_in_chinese(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    just_over = (io.BytesIO(b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES), "大.pdf")
    refused = send(a, application_id, "upload", just_over, kind="review_form", **LOST_CLAIM)
    assert refused.status_code == 400
    assert re.search(
        rf'id="evidence-error" role="alert">[^<]*超过[^<]*{MAX_FILE_BYTES // 1024 // 1024} MB',
        refused.get_data(as_text=True),
    )
    assert row(app, application_id).claim == LOST_CLAIM
    far_over = (io.BytesIO(b"0" * (MAX_FILE_BYTES + 1024 * 1024)), "很大.pdf")
    whole = send(a, application_id, "upload", far_over, kind="review_form", **{**LOST_CLAIM, "employer": "新单位"})
    html = whole.get_data(as_text=True)
    assert whole.status_code == 413 and "上传的文件太大" in html and "上次保存的草稿仍在" in html
    assert row(app, application_id).claim == LOST_CLAIM and evidence_of(app, application_id) == []


@pytest.mark.parametrize(
    ("uploaded", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "....windowssystem.ini"),  # the form parser drops the backslashes
        ("\x1b[31m评审表\u202egnp.exe", "[31m评审表gnp.exe"),
        ("/", "未命名"),
        ("长" * 300 + ".png", "长" * 120),
    ],
)
def test_the_original_name_is_data_only(app, a, uploaded: str, kept: str) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    assert send(a, application_id, "upload", png(uploaded), kind="review_form").status_code == 302
    [evidence] = evidence_of(app, application_id)
    assert evidence.original_name == kept
    stored = kernel(app).store.get(evidence.sha256)  # stored under its hash, never under the name
    assert stored.startswith(b"\x89PNG") and evidence.original_sha256 == applications.sha256_of(png_bytes())
    assert not any(kernel(app).settings.home.rglob("passwd"))
    assert "\x1b" not in page(a, application_id) and "\u202e" not in page(a, application_id)


def test_files_can_be_removed_while_editable_and_are_limited_per_application(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    key = form_key(a, application_id)
    for n in range(applications.MAX_FILES):
        assert send(a, application_id, "upload", png(f"第{n}页.png"), key=key, kind="review_form").status_code == 302
    refused = send(a, application_id, "upload", png("多.png"), key=key, kind="review_form")
    assert refused.status_code == 400 and f"最多上传 {applications.MAX_FILES} 个文件" in refused.get_data(as_text=True)
    first = evidence_of(app, application_id)[0]
    url = f"/my/paper-certificates/{application_id}/evidence/{first.id}/remove"
    assert post(a, url, f"/my/paper-certificates/{application_id}").status_code == 302
    assert len(evidence_of(app, application_id)) == applications.MAX_FILES - 1
    assert events(app, application_id)[-1].action == "legacy.evidence_removed"
    assert post(a, url, f"/my/paper-certificates/{application_id}").status_code == 404  # gone


def test_control_characters_and_overlong_fields_are_refused_and_the_page_keeps_them(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    refused = send(a, application_id, name="王\u202e丽", employer="长" * 201)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "含有不可见的控制字符" in html and "最多 200 个字" in html
    assert row(app, application_id).claim == {"name": "王丽", "gender": "女"}  # nothing half-saved
    kept = send(a, application_id, name=" 王丽 ", doc_no="足职改发[1998]12号")
    assert kept.status_code == 302
    assert row(app, application_id).claim["doc_no"] == "足职改发[1998]12号"  # as typed
    assert row(app, application_id).claim["name"] == " 王丽 "


def test_a_form_posted_after_the_login_expired_is_kept_and_restored_after_login(app, issuance: Issuance, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    key = form_key(a, application_id)
    assert post(a, "/account/logout", "/my/").status_code == 302  # the session ends (another tab, a timeout)

    late = send(a, application_id, "save", key=key, **LOST_CLAIM)
    assert late.status_code == 302 and late.headers["Location"].startswith("/account/login?next=")
    assert row(app, application_id).claim == {"name": "王丽", "gender": "女"}  # nothing written without a login

    logged_in = post(a, "/account/login?next=" + late.headers["Location"].split("next=")[1], "/account/login",
                     login=ID_A, password=PASSWORD)  # fmt: skip
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == f"/my/paper-certificates/{application_id}"
    html = page(a, application_id)
    assert "您填写的内容已恢复并保存为草稿" in html and 'value="大足县建筑公司"' in html
    assert row(app, application_id).claim == LOST_CLAIM
    assert events(app, application_id)[-1].payload == {
        "fields": sorted(name for name, value in LOST_CLAIM.items() if value and name not in ("name", "gender")),
        "restored": True,
    }
    assert "已恢复" not in page(a, application_id)  # once


def test_a_kept_form_is_restored_only_for_its_own_account(app, issuance: Issuance, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    key = form_key(a, application_id)
    assert post(a, "/account/logout", "/my/").status_code == 302
    assert send(a, application_id, "save", key=key, **LOST_CLAIM).status_code == 302
    # Someone else logs in on the same browser: the kept form is not theirs.
    confirm = register(a, issuance, "李四", ID_B, "13800138002")
    assert post(a, confirm, code=code_in(outbox(issuance, "13800138002")[-1])).status_code == 302
    assert a.get(f"/my/paper-certificates/{application_id}").status_code == 404
    own = start(a, "lost")
    assert "已恢复" not in page(a, own) and row(app, application_id).claim == {"name": "王丽", "gender": "女"}


def test_a_post_without_a_valid_form_key_is_refused(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    for key in ("", "forged", form_key(a, application_id) + "x"):
        refused = a.post(
            f"/my/paper-certificates/{application_id}", data={"form_key": key, "action": "save", **LOST_CLAIM}
        )
        assert refused.status_code == 400 and "表单已失效" in refused.get_data(as_text=True)
    other = start(a, "intact")
    # A key is for one application: it cannot be replayed against another.
    assert send(a, other, key=form_key(a, application_id), **LOST_CLAIM).status_code == 400
    assert row(app, application_id).claim == {"name": "王丽", "gender": "女"}


def test_another_holder_finds_nothing_of_an_application(app, issuance: Issuance, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    key = form_key(a, application_id)
    assert send(a, application_id, "upload", png(), key=key, kind="review_form").status_code == 302
    [evidence] = evidence_of(app, application_id)
    b = holder(app, issuance, "李四", ID_B, "13800138002")
    base = f"/my/paper-certificates/{application_id}"
    token = csrf(b, "/my/paper-certificates/")
    assert b.get(base).status_code == 404
    assert b.get(base + "/withdraw").status_code == 404
    assert b.post(base + "/withdraw", data={"csrf_token": token}).status_code == 404
    assert b.post(base + f"/evidence/{evidence.id}/remove", data={"csrf_token": token}).status_code == 404
    assert send(b, application_id, "submit", key=key, commitment="y", **LOST_CLAIM).status_code == 404
    assert "王丽" not in b.get("/my/paper-certificates/").get_data(as_text=True)
    assert row(app, application_id).status == "draft" and len(evidence_of(app, application_id)) == 1


def test_uploads_are_limited_per_account_and_saving_never_is(issuance: Issuance, renderer, signer, seal_png) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from ecert.app import create_app
    from ecert.settings import RateLimits
    from issuer.runtime import runtime

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(upload="2/minute", login="100/minute")))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    a = holder(app, issuance, "王丽", ID_A, "13800138001")
    application_id = start(a, "lost")
    key = form_key(a, application_id)
    small = png_bytes()  # a small file counts as much as a large one: each costs a confined child
    statuses = [
        send(a, application_id, "upload", (io.BytesIO(small), "p.png"), key=key, kind="review_form").status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    refused = send(a, application_id, "upload", (io.BytesIO(small), "p.png"), key=key, kind="review_form")
    assert "上传过于频繁" in refused.get_data(as_text=True)
    assert send(a, application_id, key=key, **LOST_CLAIM).status_code == 302  # saving goes on
    assert row(app, application_id).claim == LOST_CLAIM
    app.extensions["ecert"].db.dispose()


def test_an_approved_application_links_to_the_download_of_its_certificate(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from issuer.services.issuance import issue_decision
    from tests.functional.test_history import holder_client

    decision = factories.decision(name="王丽", id_number=ID_A)
    issued = issue_decision(issuance, decision)
    client = holder_client(app, issuance, "王丽", ID_A, "13800138001")
    application_id = start(client, "lost")
    set_status(app, application_id, "approved", certificate_number=issued.number)
    html = page(client, application_id)
    found = re.search(r'href="(/my/certificates/\d+\.pdf)"', html)
    assert found and issued.number in html
    assert client.get(found.group(1)).data.startswith(b"%PDF")


def test_the_pages_speak_english_too(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "incomplete")
    html = a.get(f"/my/paper-certificates/{application_id}?lang=en").get_data(as_text=True)
    assert (
        "Save draft" in html and "Paper certificate with incomplete details" in html and "Employer at the time" in html
    )
    listing = a.get("/my/paper-certificates/?lang=en").get_data(as_text=True)
    assert "Paper certificate lost or damaged" in listing and "保存草稿" not in html


def test_the_kept_form_fits_in_one_cookie_at_its_longest(app, a) -> None:  # type: ignore[no-untyped-def]
    import random

    from legacy_import.application_forms import MAX_LENGTHS

    application_id = start(a, "lost")
    key = form_key(a, application_id)
    assert post(a, "/account/logout", "/my/").status_code == 302
    rare = random.Random(7)  # every field at its longest, in CJK Extension B (4 bytes, hardly compressible)
    longest = {name: "".join(chr(rare.randint(0x20000, 0x2A6DF)) for _ in range(n)) for name, n in MAX_LENGTHS.items()}
    late = send(a, application_id, "save", key=key, **longest)
    cookie = late.headers["Set-Cookie"]
    assert late.status_code == 302 and cookie.startswith("ecert_paper_pending=")
    assert len(cookie) < 4000, len(cookie)  # browsers keep cookies up to 4096 bytes


def test_a_file_staff_have_seen_stays_on_record_when_the_holder_removes_it(app, a) -> None:  # type: ignore[no-untyped-def]
    application_id = start(a, "lost")
    assert send(a, application_id, "upload", png("评审表.png"), kind="review_form", **LOST_CLAIM).status_code == 302
    assert send(a, application_id, "submit", commitment="y", **LOST_CLAIM).status_code == 302
    with kernel(app).db.write() as session:  # staff return it for 补正
        session.get_one(LegacyApplication, application_id).status = "returned"
    first = evidence_of(app, application_id)[0]
    removed = a.post(
        f"/my/paper-certificates/{application_id}/evidence/{first.id}/remove",
        data={"csrf_token": csrf(a, f"/my/paper-certificates/{application_id}")},
    )
    assert removed.status_code == 302
    kept = evidence_of(app, application_id)
    assert [(e.id, e.deleted_at is not None) for e in kept] == [(first.id, True)]  # marked, not erased
    page = a.get(f"/my/paper-certificates/{application_id}").get_data(as_text=True)
    assert "评审表.png" not in page  # gone from the holder's list
    resubmitted = send(a, application_id, "resubmit", commitment="y", **LOST_CLAIM)
    assert resubmitted.status_code == 400  # a removed file is no evidence any more
