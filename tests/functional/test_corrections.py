"""Holders ask for a correction of a certificate (what is wrong, with an optional attachment,
cleaned or refused with a reason); staff answer in the console; the answer reaches the
holder by the notifier and on the request's page. Another holder sees none of it."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import func, select

from ecert.models import AuditEvent, CorrectionRequest
from ecert.settings import RateLimits
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_portal import activation_code, cid, code_in, csrf, outbox, post, register
from tests.functional.test_staff import create, log_in, now_code, secret_of

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

TEXT = "工作单位应为重庆市大足区中医院"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera"  # Make
    exif[0x0110] = "Model X"  # Model
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 10)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf_with(change: Any = None, **save: Any) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if change is not None:
        change(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


def _open_action_js(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )


def _names_js(pdf: pikepdf.Pdf) -> None:
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["a", action])))


def _launch_link(pdf: pikepdf.Pdf) -> None:
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10], A=launch)
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))


def _embedded(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["evil.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ not really")


def _xfa(pdf: pikepdf.Pdf) -> None:
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp/>"))


HOSTILE = {
    "javascript_open_action": (lambda: pdf_with(_open_action_js), "打开时自动运行的动作"),
    "javascript_names": (lambda: pdf_with(_names_js), "含有脚本（JavaScript）"),
    "launch": (lambda: pdf_with(_launch_link), "启动其他程序"),
    "embedded_file": (lambda: pdf_with(_embedded), "内嵌了其他文件"),
    "xfa": (lambda: pdf_with(_xfa), "XFA 动态表单"),
    "encrypted": (lambda: pdf_with(encryption=pikepdf.Encryption(owner="o", user="u")), "设有密码或加密"),
    "exe_named_pdf": (lambda: b"MZ\x90\x00" + b"\x00" * 100, "只能上传 PDF、JPEG 或 PNG"),
    "broken_pdf": (lambda: b"%PDF-1.7\n1 0 obj garbage", "文件已损坏或无法读取"),
    "too_large": (lambda: b"%PDF-1.7\n" + b" " * (10 * 1024 * 1024), "文件超过 10 MB"),
}


def bound_holder(app, issuance: Issuance, name: str, mobile: str) -> tuple[Any, Any, int]:  # type: ignore[no-untyped-def]
    """A logged-in holder whose account is bound, with one issued certificate: (client, outcome, its id)."""
    decision = factories.decision(name=name)
    issued = issue_decision(issuance, decision)
    client = app.test_client()
    confirm = register(client, issuance, name, decision.id_number, mobile)
    post(client, confirm, code=code_in(outbox(issuance, mobile)[0]))
    assert post(client, "/my/activate", "/my/", code=activation_code(app, decision.id_number)).status_code == 302
    return client, issued, cid(issuance, issued)


def ask(client, certificate_id: int, attachment: tuple[bytes, str] | None = None, **fields: str):  # type: ignore[no-untyped-def]
    path = f"/my/certificates/{certificate_id}/correction"
    data: dict[str, Any] = {"csrf_token": csrf(client, path), "field": "employer", "what_is_wrong": TEXT, **fields}
    if attachment is not None:
        data["attachment"] = (io.BytesIO(attachment[0]), attachment[1])
    return client.post(path, data=data, content_type="multipart/form-data")


def staff_client(app, username: str, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    secret = secret_of(create(app, username, "--role", role, "--with-totp").output)
    assert log_in(client, username, now_code(secret)).status_code == 302
    return client


def events(issuance: Issuance, action: str) -> list[AuditEvent]:
    with issuance.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_a_holder_asks_staff_answer_and_the_answer_comes_back(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client, issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    home = client.get("/my/").get_data(as_text=True)
    assert f"/my/certificates/{certificate_id}/correction" in home and "申请更正" in home

    asked = ask(client, certificate_id, (jpeg_with_exif(), "单位证明.jpg"))
    assert asked.status_code == 302
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "已提交" in page and TEXT in page and "单位证明.jpg" in page and "待处理" in page and issued.number in page
    request_id = int(asked.headers["Location"].split("?")[0].rsplit("/", 1)[1])
    assert "单位证明.jpg" not in client.get(f"/my/corrections/{request_id}/attachment").headers["Content-Disposition"]

    # The stored image is a re-encoded JPEG with no EXIF left.
    mine = client.get(f"/my/corrections/{request_id}/attachment")
    assert (
        mine.status_code == 200
        and mine.mimetype == "image/jpeg"
        and mine.headers["Cache-Control"].startswith("private")
    )
    with Image.open(io.BytesIO(mine.data)) as image:
        assert image.format == "JPEG" and image.size == (60, 40) and dict(image.getexif()) == {}
    assert b"Spy Camera" not in mine.data
    [submitted] = events(issuance, "correction.requested")
    assert submitted.payload["number"] == issued.number and submitted.payload["field"] == "employer"
    assert submitted.subject == f"correction:{request_id}"

    reviewer = staff_client(app, "li.reviewer", "reviewer")
    queue = reviewer.get("/console/corrections/").get_data(as_text=True)
    assert f"更正申请 {request_id}" in queue and "王小明" in queue and "待处理" in queue
    detail = reviewer.get(f"/console/corrections/{request_id}").get_data(as_text=True)
    assert TEXT in detail and "工作单位" in detail and "单位证明.jpg" in detail
    download = reviewer.get(f"/console/corrections/{request_id}/attachment")
    assert download.status_code == 200 and download.data == mine.data
    [viewed] = events(issuance, "correction.attachment_viewed")
    assert viewed.subject == f"correction:{request_id}" and viewed.actor.startswith("account:")
    # Reading the request (the holder's name and words) is audited too, each time.
    opened = events(issuance, "correction.viewed")
    assert opened and {e.subject for e in opened} == {f"correction:{request_id}"} and opened[0].actor == viewed.actor

    answer_url = f"/console/corrections/{request_id}/answer"
    no_reason = post(reviewer, answer_url, f"/console/corrections/{request_id}", outcome="declined", text="  ")
    assert no_reason.status_code == 400 and "不予更正时，请写明原因" in no_reason.get_data(as_text=True)
    assert events(issuance, "correction.answered") == []
    done = post(
        reviewer, answer_url, f"/console/corrections/{request_id}", outcome="declined", text="单位名称与审批表一致"
    )
    assert done.status_code == 302
    assert "已答复，已通知持证人" in reviewer.get(done.headers["Location"]).get_data(as_text=True)
    again = post(reviewer, answer_url, f"/console/corrections/{request_id}", outcome="accepted", text="")
    assert again.status_code == 302 and len(events(issuance, "correction.answered")) == 1

    [told] = [m for m in outbox(issuance, "13800138000") if "更正申请已有答复" in m]
    assert issued.number in told
    # The answer is a notice in 我的证书 too, sent exactly once.
    notices = client.get("/my/notifications").get_data(as_text=True)
    assert "更正申请已答复" in notices and "不予更正，原因见申请页面" in notices and issued.number in notices
    answered = client.get(f"/my/corrections/{request_id}").get_data(as_text=True)
    assert "不予更正" in answered and "单位名称与审批表一致" in answered and "待处理" not in answered
    assert "已答复" in client.get("/my/corrections").get_data(as_text=True)


def test_an_accepted_request_says_staff_will_correct(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client, _issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    asked = ask(client, certificate_id, field="name", what_is_wrong="姓名应为王晓明")
    request_id = int(asked.headers["Location"].split("?")[0].rsplit("/", 1)[1])
    approver = staff_client(app, "wang.approver", "approver")
    url = f"/console/corrections/{request_id}"
    assert post(approver, f"{url}/answer", url, outcome="accepted", text="").status_code == 302
    assert "已受理" in client.get(f"/my/corrections/{request_id}").get_data(as_text=True)
    [answered] = events(issuance, "correction.answered")
    assert answered.payload["outcome"] == "accepted"


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_attachment_is_refused_with_its_reason_and_nothing_typed_is_lost(app, issuance, kind) -> None:  # type: ignore[no-untyped-def]
    client, _issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    make, reason = HOSTILE[kind]
    refused = ask(client, certificate_id, (make(), "材料.pdf"), field="specialty", what_is_wrong="专业应为中医内科")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and reason in html, html
    assert 'id="attachment" name="attachment"' in html and 'aria-invalid="true"' in html
    assert ">专业应为中医内科</textarea>" in html and '<option value="specialty" selected>' in html
    assert "您填写的内容已保留" in html
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 0
    assert events(issuance, "correction.requested") == []


def test_a_clean_pdf_and_a_png_are_accepted_by_content_not_name(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client, _issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    plain = pdf_with()
    pdf_request = ask(client, certificate_id, (plain, "scan.jpg"))
    assert pdf_request.status_code == 302
    got = client.get(pdf_request.headers["Location"].split("?")[0] + "/attachment")
    assert got.mimetype == "application/pdf" and got.data == plain
    png_request = ask(client, certificate_id, (png_bytes(), "photo.pdf"))
    got = client.get(png_request.headers["Location"].split("?")[0] + "/attachment")
    assert got.mimetype == "image/png" and got.data.startswith(b"\x89PNG")


def test_an_empty_form_says_what_is_missing(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client, _issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    refused = ask(client, certificate_id, field="", what_is_wrong="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "请选择哪一项有误" in html and "请写明哪里有误" in html


def test_holder_b_gets_404_for_holder_a_request_attachment_and_certificate(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    a, _issued, a_certificate = bound_holder(app, issuance, "王小明", "13800138000")
    asked = ask(a, a_certificate, (png_bytes(), "a.png"))
    request_id = int(asked.headers["Location"].split("?")[0].rsplit("/", 1)[1])
    b, _other, b_certificate = bound_holder(app, issuance, "李四", "13900139000")
    assert b.get(f"/my/corrections/{request_id}").status_code == 404
    assert b.get(f"/my/corrections/{request_id}/attachment").status_code == 404
    assert b.get(f"/my/certificates/{a_certificate}/correction").status_code == 404
    assert ask(b, b_certificate).status_code == 302
    refused = b.post(
        f"/my/certificates/{a_certificate}/correction",
        data={"csrf_token": csrf(b, "/my/corrections"), "field": "name", "what_is_wrong": "x"},
    )
    assert refused.status_code == 404
    listing = b.get("/my/corrections").get_data(as_text=True)
    assert f"更正申请 {request_id}<" not in listing and "更正申请" in listing
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 2


def test_correction_requests_are_limited_per_account(issuance: Issuance, renderer, signer, seal_png) -> None:  # type: ignore[no-untyped-def]
    from ecert.app import create_app
    from issuer.runtime import runtime

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(corrections="2/hour")))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    client, _issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    statuses = [ask(client, certificate_id).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    refused = ask(client, certificate_id)
    assert "提交过于频繁" in refused.get_data(as_text=True)
    other, _other, other_certificate = bound_holder(app, issuance, "李四", "13900139000")
    assert ask(other, other_certificate).status_code == 302  # another account is untouched
    app.extensions["ecert"].db.dispose()
