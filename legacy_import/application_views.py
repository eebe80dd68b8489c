"""A holder's paper-certificate applications in 我的证书: the list and the choice of case,
the application page (claim, evidence, commitment, status), withdrawal.

Every POST of the application page saves what is typed into the draft first, so a refused
upload or a refused submission loses nothing. A form posted after the login expired (the
browser was closed, the session was ended elsewhere, the network changed) is kept too: the
page carries a signed key naming the account and the application (``form_key``, the form's
CSRF proof, valid for a day); such a POST puts the typed claim in a signed cookie scoped to
these pages and sends the holder to the login, which comes back to the page; there, for
the same account only, the claim is restored into the draft and the page says so. The
cookie is used because logging in starts a new session (nothing carries over in it).
A chosen file is not kept that way: the page asks for it again.

Another account's application is 404 everywhere; staff get 404 on these pages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from ecert.clock import office_date
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.models import Certificate, CertificateStatus, Decision
from ecert.vocab.titles import LEVELS
from ecert.web import client_key, csrf, limiter, private_page
from legacy_import import IllegalTransition, applications, claim, evidence, workflow
from legacy_import.application_forms import MAX_LENGTHS, ApplicationForm, ConfirmForm, StartForm
from legacy_import.application_words import (
    CASE_HINTS,
    CASE_WORDS,
    EVIDENCE_WORDS,
    FIELD_HINTS,
    FIELD_WORDS,
    GENDER_WORDS,
    GRANT_ROUTE_WORDS,
    REFUSAL_WORDS,
    STATUS_WORDS,
    STEP_WORDS,
)
from legacy_import.applications import Application, Incomplete
from legacy_import.evidence_words import refusal_message

PREFIX = "/my/paper-certificates"
bp = Blueprint("paper", __name__, url_prefix=PREFIX, template_folder="templates")

MB = 1024 * 1024
# One file per request, read no further than one byte past the limit; the request may
# carry the claim's fields besides (a few kilobytes) — anything larger is refused whole.
MAX_FILE_BYTES: int = evidence.MAX_BYTES
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 256 * 1024
FORM_KEY_SECONDS = 24 * 3600
PENDING_COOKIE = "ecert_paper_pending"
PENDING_SECONDS = 12 * 3600


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=salt)


def form_key(account_id: int, application_id: int) -> str:
    return _serializer("paper-form").dumps({"a": account_id, "p": application_id})


def _form_key_account(key: str | None, application_id: int) -> int | None:
    """The account a posted form was made for, if the key is ours, fresh, and for this application."""
    if not key or len(key) > 200:
        return None
    try:
        found = _serializer("paper-form").loads(key, max_age=FORM_KEY_SECONDS)
    except BadSignature:
        return None
    if not isinstance(found, dict) or found.get("p") != application_id or not isinstance(found.get("a"), int):
        return None
    return int(found["a"])


def _upload_limit() -> str:
    return kernel().settings.ratelimits.upload


def _poster_key() -> str:
    if getattr(current_user, "is_authenticated", False):
        return f"paper-upload:{current_user.account_id}"
    return f"paper-upload:{client_key()}"


def _no_file(*_args: object) -> bool:
    # Only posts that carry a file count (cleaning one costs a confined child's time), however
    # small and however sent (chunked, without a length): saving the claim is never refused,
    # so what is typed is never lost to the limit.
    if request.method != "POST":
        return True
    try:
        return not any(upload.filename for upload in request.files.values())
    except RequestEntityTooLarge:
        return False


@bp.errorhandler(429)
def _too_many(_error: Exception) -> BaseResponse:
    message = _("上传过于频繁，请稍候一分钟再试；已保存的草稿不受影响。")
    return private_page(render_template("error.html", code=429, message=message), 429)


def _account_id() -> int:
    # Staff have the console, not 我的证书: these pages do not exist for them.
    if not current_user.is_holder:
        abort(404)
    return int(current_user.account_id)


@bp.get("/")
@login_required
def index() -> Response:
    account_id = _account_id()
    with kernel().db.read() as session:
        found = applications.of_account(session, account_id)
    return _index_page(found, StartForm(), 200)


@bp.post("/")
@login_required
def start() -> BaseResponse:
    account_id = _account_id()
    form = StartForm()
    if not form.validate_on_submit():
        with kernel().db.read() as session:
            found = applications.of_account(session, account_id)
        return _index_page(found, form, 400)
    k = kernel()
    application_id = applications.start(k.db, account_id=account_id, case=form.case.data, now=k.clock())
    if application_id is None:
        abort(404)
    return redirect(url_for("paper.application", application_id=application_id))


def _index_page(found: list[Application], form: StartForm, status: int) -> Response:
    html = render_template(
        "legacy_import/applications.html",
        found=found,
        form=form,
        cases=claim.CASES,
        case_words=CASE_WORDS,
        case_hints=CASE_HINTS,
        status_words=STATUS_WORDS,
    )
    return private_page(html, status)


@bp.route("/<int:application_id>", methods=["GET", "POST"])
@limiter.limit(_upload_limit, key_func=_poster_key, exempt_when=_no_file)
def application(application_id: int) -> BaseResponse:
    """The application's page (GET) and its one form (POST). One rule for both: with two
    rules on one path, a POST to an id beyond the database's would answer 405, not 404."""
    if request.method == "POST":
        return _post_application(application_id)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    account_id = _account_id()
    k = kernel()
    restored = _restore(account_id, application_id)
    with k.db.read() as session:
        found = applications.one_of_account(session, account_id, application_id)
    if found is None:
        abort(404)
    form = ApplicationForm(formdata=None, meta={"csrf": False}, data=found.claim)
    response = _page(found, form, 200, notice=_notice(restored))
    if restored is not None:
        response.delete_cookie(PENDING_COOKIE, path=PREFIX + "/")
    return response


def _notice(restored: bool | None) -> str | None:
    if restored:
        return _("您上次提交时登录已失效；您填写的内容已恢复并保存为草稿，请核对后继续。如选择过文件，请重新选择。")
    for flag, words in (
        ("saved", _("草稿已保存。")),
        ("added", _("材料已上传。")),
        ("removed", _("材料已删除。")),
        ("sent", _("申请已提交，工作人员审查后会通知您。")),
    ):
        if request.args.get(flag) == "1":
            return words
    return None


def _post_application(application_id: int) -> BaseResponse:
    """Save, upload or submit; CSRF is the signed ``form_key`` (see the module docstring)."""
    request.max_content_length = MAX_REQUEST_BYTES
    try:
        posted_key = request.form.get("form_key")
    except RequestEntityTooLarge:
        return _too_large()
    owner = _form_key_account(posted_key, application_id)
    if owner is None:
        return private_page(
            render_template("error.html", code=400, message=_("表单已失效，请刷新页面后重新填写。")), 400
        )
    if not current_user.is_authenticated:
        return _keep_for_login(owner, application_id)
    account_id = _account_id()
    if owner != account_id:
        abort(404)
    k = kernel()
    with k.db.read() as session:
        found = applications.one_of_account(session, account_id, application_id)
    if found is None:
        abort(404)
    form = ApplicationForm(meta={"csrf": False})
    if not form.validate():
        return _page(found, form, 400)
    action = form.action.data
    upload = request.files.get("evidence")
    chosen = upload is not None and bool(upload.filename)
    try:
        if not found.editable:
            step = (
                action if action in (workflow.SUBMIT, workflow.RESUBMIT) else "add_evidence" if chosen else "save_draft"
            )
            raise IllegalTransition(found.status, step)
        saved = applications.save_draft(
            k.db, account_id=account_id, application_id=application_id, typed=form.typed(request.form), now=k.clock()
        )
        if saved is None:
            abort(404)
        added = False
        if chosen or action == "upload":
            refusal = _upload(form, account_id, application_id)
            if refusal is not None:
                return _refused(account_id, application_id, form, refusal)
            added = True
        if action in (workflow.SUBMIT, workflow.RESUBMIT):
            return _submit(form, account_id, application_id, action)
    except IllegalTransition as error:
        return _illegal(account_id, application_id, error)
    if added:
        return redirect(url_for("paper.application", application_id=application_id, added=1))
    return redirect(url_for("paper.application", application_id=application_id, saved=1))


def _upload(form: ApplicationForm, account_id: int, application_id: int) -> str | None:
    """Clean and store the chosen file; the refusal's words, or None when it is stored."""
    kind = form.kind.data
    upload = request.files.get("evidence")
    if upload is None or not upload.filename:
        return str(REFUSAL_WORDS["no_file"])
    if kind not in claim.EVIDENCE_KINDS:
        return str(REFUSAL_WORDS["no_kind"])
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        size_mb = round((request.content_length or len(data)) / MB, 1)
        return _refusal_words("too_large", {"limit_mb": MAX_FILE_BYTES // MB, "size_mb": size_mb})
    outcome = evidence.clean_evidence(data)
    if isinstance(outcome, evidence.RefusedEvidence):
        return _refusal_words(outcome.code, outcome.params)
    k = kernel()
    try:
        applications.add_evidence(
            k.db, k.store, account_id=account_id, application_id=application_id, kind=kind, cleaned=outcome,
            original_name=upload.filename, original_sha256=applications.sha256_of(data), now=k.clock(),
        )  # fmt: skip
    except applications.TooManyFiles:
        return _refusal_words("too_many_files", {})
    return None


def _refusal_words(code: str, params: dict[str, Any]) -> str:
    """Why an upload was refused, in the page's language: the page's own refusals here, the
    file's in the evidence check's words (``legacy_import.evidence_words``)."""
    if code in REFUSAL_WORDS:
        return str(REFUSAL_WORDS[code]) % {"n": applications.MAX_FILES}
    return refusal_message(evidence.RefusedEvidence(code, params))


def _refused(account_id: int, application_id: int, form: ApplicationForm, refusal: str) -> Response:
    with kernel().db.read() as session:
        found = applications.one_of_account(session, account_id, application_id)
    if found is None:
        abort(404)
    form.evidence.errors = [refusal]
    return _page(found, form, 400)


def _submit(form: ApplicationForm, account_id: int, application_id: int, action: str) -> BaseResponse:
    k = kernel()
    now = k.clock()
    outcome = applications.submit(
        k.db, account_id=account_id, application_id=application_id, action=action, typed=None,
        commitment=applications.COMMITMENT_TEXT if form.commitment.data else None,
        now=now, today=office_date(now), store=k.store, limits=k.settings.sandbox,
    )  # fmt: skip
    if outcome is None:
        abort(404)
    if isinstance(outcome, Incomplete):
        with k.db.read() as session:
            found = applications.one_of_account(session, account_id, application_id)
        if found is None:
            abort(404)
        return _page(found, form, 400, missing=outcome)
    return redirect(url_for("paper.application", application_id=application_id, sent=1))


def _too_large() -> Response:
    message = _(
        "上传的文件太大：每个文件不超过 %(mb)s MB。本次提交没有保存；上次保存的草稿仍在。"
        "请压缩或分页扫描后，返回申请页重新选择文件。",
        mb=MAX_FILE_BYTES // MB,
    )
    return private_page(render_template("error.html", code=413, message=message), 413)


def _illegal(account_id: int, application_id: int, error: IllegalTransition) -> Response:
    with kernel().db.read() as session:
        found = applications.one_of_account(session, account_id, application_id)
    if found is None:
        abort(404)
    step = STEP_WORDS.get(error.action, error.action)
    message = _("此申请当前状态为“%(status)s”，不能%(step)s。", status=STATUS_WORDS[error.status], step=step)
    return _page(found, ApplicationForm(formdata=None, meta={"csrf": False}, data=found.claim), 409, refused=message)


def _keep_for_login(account_id: int, application_id: int) -> BaseResponse:
    typed = {name: (request.form.get(name) or "")[: MAX_LENGTHS[name]] for name in claim.CLAIM_FIELDS}
    kept = _serializer("paper-pending").dumps({"a": account_id, "p": application_id, "claim": typed})
    target = url_for("paper.application", application_id=application_id)
    response = redirect(url_for("accounts.login", next=target))
    response.set_cookie(
        PENDING_COOKIE, kept, max_age=PENDING_SECONDS, path=PREFIX + "/",
        secure=request.is_secure, httponly=True, samesite="Lax",
    )  # fmt: skip
    return response


def _restore(account_id: int, application_id: int) -> bool | None:
    """Put a claim kept at an expired login back into the draft: True restored, False kept
    for nothing (another account's, another application's, no longer editable), None none."""
    kept = request.cookies.get(PENDING_COOKIE)
    if not kept:
        return None
    try:
        found = _serializer("paper-pending").loads(kept, max_age=PENDING_SECONDS)
    except BadSignature:
        return False
    if not isinstance(found, dict) or found.get("a") != account_id or found.get("p") != application_id:
        return False
    typed = found.get("claim")
    if not isinstance(typed, dict):
        return False
    k = kernel()
    try:
        saved = applications.save_draft(
            k.db, account_id=account_id, application_id=application_id,
            typed={name: str(value)[: MAX_LENGTHS[name]] for name, value in typed.items() if name in MAX_LENGTHS},
            now=k.clock(), restored=True,
        )  # fmt: skip
    except IllegalTransition:
        return False
    return saved is not None


@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(application_id: int) -> BaseResponse:
    account_id = _account_id()
    k = kernel()
    with k.db.read() as session:
        found = applications.one_of_account(session, account_id, application_id)
    if found is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            applications.withdraw(k.db, account_id=account_id, application_id=application_id, now=k.clock())
        except IllegalTransition as error:
            return _illegal(account_id, application_id, error)
        return redirect(url_for("paper.application", application_id=application_id))
    allowed = workflow.WITHDRAW in workflow.actions_from(found.status, workflow.HOLDER)
    html = render_template(
        "legacy_import/withdraw.html",
        a=found,
        form=form,
        allowed=allowed,
        case_words=CASE_WORDS,
        status_words=STATUS_WORDS,
    )
    return private_page(html, 400 if request.method == "POST" else 200)


@bp.post("/<int:application_id>/evidence/<int:evidence_id>/remove")
@login_required
def remove_evidence(application_id: int, evidence_id: int) -> BaseResponse:
    account_id = _account_id()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    k = kernel()
    try:
        removed = applications.remove_evidence(
            k.db, account_id=account_id, application_id=application_id, evidence_id=evidence_id, now=k.clock()
        )
    except IllegalTransition as error:
        return _illegal(account_id, application_id, error)
    if not removed:
        abort(404)
    return redirect(url_for("paper.application", application_id=application_id, removed=1))


def _page(
    found: Application,
    form: ApplicationForm,
    status: int,
    *,
    missing: Incomplete | None = None,
    notice: str | None = None,
    refused: str | None = None,
) -> Response:
    html = render_template(
        "legacy_import/application.html",
        a=found,
        form=form,
        form_key=form_key(found.account_id, found.id),
        missing=missing,
        notice=notice,
        refused=refused,
        fields=claim.CLAIM_FIELDS,
        required=set(claim.REQUIRED[found.case]),
        lengths=MAX_LENGTHS,
        field_words=FIELD_WORDS,
        field_hints=FIELD_HINTS,
        grant_routes=GRANT_ROUTE_WORDS,
        choices={"gender": GENDER_WORDS, "level": {level: level for level in LEVELS}, "grant_route": GRANT_ROUTE_WORDS},
        kinds=claim.EVIDENCE_KINDS,
        evidence_words=EVIDENCE_WORDS,
        required_evidence=claim.REQUIRED_EVIDENCE[found.case],
        case_words=CASE_WORDS,
        case_hints=CASE_HINTS,
        status_words=STATUS_WORDS,
        commitment=applications.COMMITMENT_TEXT,
        max_files=applications.MAX_FILES,
        max_mb=MAX_FILE_BYTES // MB,
        can_withdraw=workflow.WITHDRAW in workflow.actions_from(found.status, workflow.HOLDER),
        certificate_id=_certificate_id(found),
        words=_words,
    )
    return private_page(html, status)


def _words(names: tuple[str, ...], table: dict[str, Any], separator: str = "、") -> str:
    return str(separator).join(str(table[name]) for name in names)


def _certificate_id(found: Application) -> int | None:
    """The approved application's certificate in 我的证书, when the account sees it."""
    holder_id = getattr(current_user, "holder_id", None)
    if found.status != workflow.APPROVED or found.certificate_number is None or holder_id is None:
        return None
    with kernel().db.read() as session:
        found_id = session.scalar(
            select(Certificate.id)
            .join(Decision, Certificate.decision_id == Decision.id)
            .where(
                Certificate.number == found.certificate_number,
                Decision.holder_id == holder_id,
                Certificate.status != CertificateStatus.PENDING,
            )
            .order_by(Certificate.version.desc())
            .limit(1)
        )
    return int(found_id) if found_id is not None else None


# The application page's POST proves itself with its signed form key, so that a form posted
# after the session ended can still be recognised and kept (see the module docstring).
csrf.exempt(application)
