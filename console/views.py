"""Console pages: the home page with the registry search."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from accounts.roles import may
from console.search import search
from ecert.kernel import kernel
from ecert.status_words import status_word
from ecert.web import private_page

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


def staff_may(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only a logged-in staff member whose roles allow ``action``; holders get 404."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def checked(*args: Any, **kwargs: Any) -> Any:
            if current_user.is_holder:
                abort(404)
            if not may(current_user.roles, action):
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


@bp.get("/")
@staff_may("search")
def home() -> Response:
    query = request.args.get("q", "")[:64]
    k = kernel()
    found = search(k.db, query, actor=f"account:{current_user.account_id}", now=k.clock()) if query.strip() else None
    html = render_template("console/home.html", query=query, found=found, status_word=lambda f: status_word(f.status))
    return private_page(html)
