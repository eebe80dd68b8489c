"""The staff review pages, in the console (``/console/conversions``): the queue, one
application (claim beside roster, findings, evidence previews), the evidence files, and the
staff steps as POST forms. The console's login and role guard, base template and navigation
are reused; reviewers and approvers open them, other staff get 403 and holders 404."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from accounts.roles import may
from accounts.runtime import runtime as accounts_runtime
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.storage import BlobNotFound
from ecert.web import private_page
from issuer.cli.words import row_error_text
from issuer.runtime import runtime as issuer_runtime
from legacy_import import IllegalTransition, NotAllowed, review, workflow
from legacy_import.approval import AlreadyCertified, ClaimInvalid, DateIncomplete, SigningFailed, approve
from legacy_import.finding_words import SEVERITY_LABELS, describe
from legacy_import.review_forms import ChangeForm, RejectForm, ReturnForm, StepForm
from legacy_import.review_words import (
    ACTION_WORDS,
    CASE_WORDS,
    EVIDENCE_WORDS,
    REFUSAL_WORDS,
    claim_value,
    field_label,
    status_word,
    transition_refused,
)

bp = Blueprint("console_conversions", __name__, url_prefix="/console/conversions", template_folder="templates")

REVIEW_ACTIONS = ("review", "approve")
WAITED_CHOICES = (0, 7, 30, 90)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif"}
# A refusal's HTTP status: the person may not (403), the application is not there (404),
# its status does not allow it (409), what was typed is missing (400).
_REFUSAL_STATUS = {"role": 403, "applicant": 403, "same_person": 403, "not_found": 404}


def reviewers_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """A logged-in staff member who reviews or approves; holders 404, other staff 403."""

    @wraps(view)
    @login_required
    def checked(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_holder:
            abort(404)
        if not any(may(current_user.roles, action) for action in REVIEW_ACTIONS):
            abort(403)
        return view(*args, **kwargs)

    return checked


def _actor() -> str:
    return review.staff_actor(current_user.account_id)


@bp.get("/")
@reviewers_only
def queue() -> Response:
    chosen, shown = _filter()
    k = kernel()
    with k.db.read() as session:
        rows = review.queue(session, chosen, now=k.clock())
        counts = review.counts(session)
    html = render_template(
        "legacy_import/review_queue.html",
        rows=rows,
        counts=counts,
        shown=shown,
        statuses=[status for status in workflow.STATUSES if status in review.VISIBLE],
        waited_choices=WAITED_CHOICES,
        severities=SEVERITY_LABELS,
        status_word=status_word,
        case_words=CASE_WORDS,
    )
    return private_page(html)


def _filter() -> tuple[review.QueueFilter, dict[str, Any]]:
    status = request.args.get("status", "")
    statuses = frozenset({status}) if status in review.VISIBLE else workflow.IN_QUEUE
    if status == "all":
        statuses = review.VISIBLE
    waited = _int_arg("waited", WAITED_CHOICES)
    severity = _int_arg("severity", tuple(SEVERITY_LABELS))
    chosen = review.QueueFilter(statuses=statuses, waited_days=waited, min_severity=severity)
    return chosen, {
        "status": status if status in review.VISIBLE or status == "all" else "",
        "waited": waited,
        "severity": severity,
    }


def _int_arg(name: str, allowed: tuple[int, ...]) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) in allowed else 0


@bp.get("/<int:application_id>")
@reviewers_only
def detail(application_id: int) -> Response:
    return _page(application_id)


@bp.get("/evidence/<int:evidence_id>")
@reviewers_only
def evidence_file(evidence_id: int) -> Response:
    """The cleaned file as a download, never inline; the original name only as data."""
    return _evidence(evidence_id, "file")


@bp.get("/evidence/<int:evidence_id>/thumbnail.png")
@reviewers_only
def evidence_thumbnail(evidence_id: int) -> Response:
    return _evidence(evidence_id, "thumbnail")


def _evidence(evidence_id: int, part: str) -> Response:
    k = kernel()
    found = review.evidence_viewed(k.db, evidence_id, part, actor=_actor(), now=k.clock())
    if found is None:
        abort(404)
    try:
        data = k.store.get(found.sha256)
    except BlobNotFound:
        abort(404)
    response = Response(data, mimetype=found.content_type)
    if part == "file":
        ours = f"evidence-{found.id}.{EXTENSIONS.get(found.content_type, 'bin')}"
        theirs = safe_filename(found.original_name, EXTENSIONS.get(found.content_type, "bin"))
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"{ours}\"; filename*=UTF-8''{quote(theirs, safe='')}"
        )
    else:
        response.headers["Content-Disposition"] = f'inline; filename="evidence-{found.id}.png"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*;%\x00-\x1f\x7f]')


def shown_name(original: str) -> str:
    """The holder's name of the file as the page shows it: without control and format
    characters (a right-to-left override would turn ``x\u202egpj.exe`` into ``xexe.jpg``)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", original) if unicodedata.category(ch)[0] != "C")


def safe_filename(original: str, extension: str) -> str:
    """The holder's name of the file, made harmless to save: no folders, no control or
    format characters, no characters file systems refuse, and the extension of what the
    file is now (a cleaned PDF named ``x.exe`` is saved as ``x.pdf``)."""
    base = shown_name(re.split(r"[/\\]", original)[-1])
    base = _UNSAFE_IN_NAMES.sub("_", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .")[:80] or "evidence"
    return f"{stem}.{extension}"


# --- the steps ---


@bp.post("/<int:application_id>/return")
@reviewers_only
def return_step(application_id: int) -> BaseResponse:
    form = ReturnForm()
    if not form.validate_on_submit():
        return _page(application_id, return_form=form, status=400)
    k = kernel()
    return _run(
        application_id,
        workflow.RETURN,
        lambda: review.return_for_correction(
            k.db,
            accounts_runtime().notifier,
            application_id,
            staff_id=current_user.account_id,
            message=form.message.data,
            now=k.clock(),
        ),
        return_form=form,
    )


@bp.post("/<int:application_id>/reject")
@reviewers_only
def reject_step(application_id: int) -> BaseResponse:
    form = RejectForm()
    if not form.validate_on_submit():
        return _page(application_id, reject_form=form, status=400)
    k = kernel()
    return _run(
        application_id,
        workflow.REJECT,
        lambda: review.reject(
            k.db,
            accounts_runtime().notifier,
            application_id,
            staff_id=current_user.account_id,
            reason=form.reason.data,
            now=k.clock(),
        ),
        reject_form=form,
    )


@bp.post("/<int:application_id>/recommend")
@reviewers_only
def recommend_step(application_id: int) -> BaseResponse:
    if not StepForm().validate_on_submit():
        abort(400)
    k = kernel()
    return _run(
        application_id,
        workflow.RECOMMEND,
        lambda: review.recommend(k.db, application_id, staff_id=current_user.account_id, now=k.clock()),
    )


@bp.post("/<int:application_id>/approve")
@reviewers_only
def approve_step(application_id: int) -> BaseResponse:
    if not StepForm().validate_on_submit():
        abort(400)
    issuance = issuer_runtime(current_app).issuance(actor=_actor())
    try:
        done = approve(issuance, accounts_runtime().notifier, application_id, staff_id=current_user.account_id)
    except DateIncomplete as incomplete:
        problem = _(
            "审批时间只有年月（%(value)s），电子证书须印具体日期：请在下方“更正申请数据”中按档案材料补全（如 1996年12月20日）。",
            value=incomplete.typed,
        )
        return _page(application_id, problems=[problem], status=400)
    except ClaimInvalid as invalid:
        problems = [_("签发前核对未通过，请先更正申请数据：")] + [row_error_text(error) for error in invalid.errors]
        return _page(application_id, problems=problems, status=400)
    except AlreadyCertified as already:
        problem = _(
            "同一职称已有电子证书 %(number)s（非由此申请签发）；未签发新证书，请退回或不予转换。", number=already.number
        )
        return _page(application_id, problems=[problem], status=409)
    except SigningFailed as failed:
        problem = _(
            "签发失败，未作任何改动，申请仍为“已审查，待审批”，可稍后重试。原因：%(reason)s", reason=failed.reason
        )
        return _page(application_id, problems=[problem], status=503)
    except (NotAllowed, IllegalTransition) as refused:
        return _refused(application_id, refused, workflow.APPROVE)
    return redirect(
        url_for("console_conversions.detail", application_id=application_id, done="approve", number=done.number)
    )


@bp.post("/<int:application_id>/changes")
@reviewers_only
def change_step(application_id: int) -> BaseResponse:
    form = ChangeForm()
    if not form.validate_on_submit():
        return _page(application_id, change_form=form, status=400)
    k = kernel()
    try:
        sent_back = review.correct_claim(
            k.db, application_id, staff_id=current_user.account_id, field_name=form.field.data,
            value=form.value.data or "", reason=form.reason.data, now=k.clock(),
        )  # fmt: skip
    except (NotAllowed, IllegalTransition) as refused:
        return _refused(application_id, refused, "correct", change_form=form)
    done = "changed_back" if sent_back else "changed"
    return redirect(url_for("console_conversions.detail", application_id=application_id, done=done))


def _run(application_id: int, action: str, step: Callable[[], Any], **forms: FlaskForm) -> BaseResponse:
    try:
        step()
    except (NotAllowed, IllegalTransition) as refused:
        return _refused(application_id, refused, action, **forms)
    return redirect(url_for("console_conversions.detail", application_id=application_id, done=action))


def _refused(application_id: int, refused: Exception, action: str, **forms: FlaskForm) -> Response:
    if isinstance(refused, IllegalTransition):
        return _page(application_id, problems=[transition_refused(refused.status, action)], status=409, **forms)
    assert isinstance(refused, NotAllowed)
    if refused.code == "not_found":
        abort(404)
    words = str(REFUSAL_WORDS.get(refused.code, refused.code))
    return _page(application_id, problems=[words], status=_REFUSAL_STATUS.get(refused.code, 400), **forms)


DONE_WORDS = {
    workflow.RECOMMEND: lambda: _("已审查通过并提请审批；须由另一名审批人签发。已记入审计日志。"),
    workflow.RETURN: lambda: _("已退回申请人补正，已通知申请人，并已记入审计日志。"),
    workflow.REJECT: lambda: _("已决定不予转换，已通知申请人，并已记入审计日志。"),
    "approve": lambda: _("已批准，电子证书已签发，已通知申请人，并已记入审计日志。"),
    "changed": lambda: _("已更正申请数据，已记入审计日志；申请人可看到更正的内容和原因。"),
    "changed_back": lambda: _(
        "已更正申请数据。因审查后又有改动，申请已回到“待审查”，须由审查人对更正后的数据重新审查。"
    ),
}


def _page(
    application_id: int,
    *,
    problems: list[str] | None = None,
    status: int = 200,
    return_form: FlaskForm | None = None,
    reject_form: FlaskForm | None = None,
    change_form: FlaskForm | None = None,
) -> Response:
    k = kernel()
    found = review.viewed(k.db, application_id, actor=_actor(), now=k.clock())
    if found is None:
        abort(404)
    roles = current_user.roles
    reviewer_steps = found.status == workflow.SUBMITTED and may(roles, "review")
    approver_steps = found.status == workflow.RECOMMENDED and may(roles, "approve")
    # An interrupted signing (``approving``) is signed again; nothing else is offered then.
    signing_again = found.status == workflow.APPROVING and may(roles, "approve")
    done = request.args.get("done", "") if status == 200 else ""
    html = render_template(
        "legacy_import/review_application.html",
        a=found,
        problems=problems or [],
        done=DONE_WORDS[done]() if done in DONE_WORDS else "",
        number=request.args.get("number", "")[:32] if done == "approve" else "",
        may_recommend=reviewer_steps,
        may_approve=(approver_steps or signing_again) and found.reviewer_id != current_user.account_id,
        approve_blocked=approver_steps and found.reviewer_id == current_user.account_id,
        may_close=reviewer_steps or approver_steps,
        may_change=found.status in workflow.STAFF_EDITABLE,
        step_form=StepForm(formdata=None),
        return_form=return_form or ReturnForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        change_form=change_form or ChangeForm(formdata=None),
        correctable=review.CORRECTABLE,
        field_label=field_label,
        claim_value=claim_value,
        status_word=status_word,
        case_words=CASE_WORDS,
        evidence_words=EVIDENCE_WORDS,
        action_words=ACTION_WORDS,
        severities=SEVERITY_LABELS,
        describe=describe,
        shown_name=shown_name,
        refusal_same_person=REFUSAL_WORDS["same_person"],
    )
    return private_page(html, status)
