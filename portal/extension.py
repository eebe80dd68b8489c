"""Hands 我的证书 to the app: its pages, and the unread count in the account bar."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_login import current_user

    from ecert.kernel import kernel

    # Their routes join the blueprint before it is registered.
    from portal import history_views, notice_views, use_copy_views  # noqa: F401
    from portal.correction_views import bp as corrections_bp
    from portal.notices import unread_count
    from portal.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(corrections_bp)

    @app.context_processor
    def _unread() -> dict[str, Any]:
        # A callable: only the pages that show the account bar query the count.
        def unread_notices() -> int:
            holder_id = getattr(current_user, "holder_id", None)
            if not getattr(current_user, "is_authenticated", False) or not current_user.is_holder or holder_id is None:
                return 0
            with kernel().db.read() as session:
                return unread_count(session, holder_id)

        return {"unread_notices": unread_notices}
