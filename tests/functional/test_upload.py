"""POST /verify: upload a certificate PDF through the form and read the verdict page."""

from __future__ import annotations

import re
from dataclasses import replace

from issuer.services.issuance import Issuance, issue_decision
from tests import factories


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/verify")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert match
    return match.group(1)


def upload(client, data: bytes, name: str = "证书.pdf", token: str | None = None, lang: str = ""):  # type: ignore[no-untyped-def]
    import io

    form = {"file": (io.BytesIO(data), name)}
    if token is not False:
        form["csrf_token"] = token or csrf_token(client)
    return client.post(f"/verify?lang={lang}" if lang else "/verify", data=form, content_type="multipart/form-data")


def verdict_word(html: str) -> str:
    match = re.search(r'<p class="word">([^<]+)</p>', html)
    assert match, html[:500]
    return match.group(1)


def test_form_page_has_no_script_and_a_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/verify")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and 'name="csrf_token"' in html
    assert "<script" not in html
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_issued_certificate_uploads_as_valid(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    response = upload(client, issuance.store.get(issued.sha256))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert verdict_word(html) == "有效"
    assert issued.number in html and "王*明" in html
    assert html.count('data-passed="yes"') == 6
    # never the ID number or the full name
    assert decision.id_number not in html and "王小明" not in html
    assert "<script" not in html
    assert "签名后未被修改" in html and "December" not in html
    english = upload(client, issuance.store.get(issued.sha256), lang="en").get_data(as_text=True)
    assert verdict_word(english) == "Valid" and "Not modified after signing" in english
    assert "December 20, 2025" in english  # the grant date, as the English pages write dates
    for chinese in ("有效", "签名后未被修改", "逐项检查", "证书编号"):
        assert chinese not in english, chinese


def test_tampered_file_is_not_valid_and_names_the_check(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    tampered = issuance.store.get(issued.sha256) + b"\n% appended\n"
    html = upload(client, tampered).get_data(as_text=True)
    assert verdict_word(html) == "无效"
    assert re.search(r'data-code="coverage" data-passed="no"', html)
    assert "签名后被修改" in html or "签名后文件被改动过" in html


def test_hostile_files_answer_200_not_valid(client) -> None:  # type: ignore[no-untyped-def]
    for data in (b"", b"\xff\xd8\xff\xe0 not a pdf", b"%PDF-1.7\n1 0 obj <<< broken", b"%PDF-" + b"\0" * 5000):
        response = upload(client, data)
        assert response.status_code == 200, data[:10]
        html = response.get_data(as_text=True)
        assert verdict_word(html) == "无效"
        assert 'data-code="is_pdf" data-passed="no"' in html


def test_missing_csrf_token_is_400(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/verify")
    response = upload(client, b"%PDF-1.7\n", token=False)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_missing_file_is_400_with_a_message(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/verify", data={"csrf_token": csrf_token(client)}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "请选择证书的 PDF 文件" in response.get_data(as_text=True)


def test_oversize_upload_is_a_friendly_413(client) -> None:  # type: ignore[no-untyped-def]
    from ecert.settings import Settings

    response = upload(client, b"%PDF-1.7\n" + b"0" * (Settings.max_pdf_bytes + 100 * 1024))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "文件太大" in html and "10 MB" in html and "too large" not in html
    # beyond the app-wide request limit too
    huge = upload(client, b"%PDF-1.7\n" + b"0" * (17 * 1024 * 1024))
    assert huge.status_code == 413


def test_uploads_are_rate_limited(issuance: Issuance) -> None:
    from ecert.app import create_app
    from ecert.settings import RateLimits

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(upload="2/minute")))
    try:
        client = app.test_client()
        token = csrf_token(client)
        codes = [upload(client, b"", token=token).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/verify").status_code == 200  # the form itself is not limited
    finally:
        app.extensions["ecert"].db.dispose()


def test_a_checker_that_cannot_run_is_a_friendly_503_not_a_verdict(issuance: Issuance, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ecert import sandbox

    issued = issue_decision(issuance, factories.decision())
    token = csrf_token(client)

    def refuse(self) -> None:  # type: ignore[no-untyped-def]
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(sandbox._Process, "start", refuse)
    monkeypatch.setattr(sandbox, "_START_RETRY_PAUSES", (0.0, 0.0))
    response = upload(client, issuance.store.get(issued.sha256), token=token)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "暂时无法检查此文件，请稍后再试。" in html and "please try again" not in html
    assert "无效" not in html and "Not valid" not in html
    english = upload(client, issuance.store.get(issued.sha256), token=token, lang="en")
    assert english.status_code == 503 and "please try again in a minute" in english.get_data(as_text=True)
    assert 'type="file"' in html and 'name="csrf_token"' in html  # can retry from here
    assert "<script" not in html
