"""``GET /.well-known/ecert-qr-keys.json``: the published QR claim key set.

Anyone may save it and check QR claims offline (``ecert verify-qr --keys FILE``). The
document is the parsed and re-serialised key set (format: ``ecert.qr_claim``), so a
malformed file is never served: it answers 503 with a JSON error instead.  Its
``verify_base_urls`` always include this instance's public URL, so that a saved copy
lets ``verify-qr`` refuse QR codes pointing to any other site.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from ecert.i18n import _
from ecert.qr_claim import KeySetError
from verifier.qr.check import load_published_keyset

bp = Blueprint("verifier_qr_keys", __name__)

CACHE_CONTROL = "public, max-age=3600"


@bp.get("/.well-known/ecert-qr-keys.json")
def published_keys() -> Response:
    try:
        keyset = load_published_keyset(current_app)
    except KeySetError:
        current_app.logger.exception("published QR key set unavailable")
        response = jsonify(error={"code": "keyset_unavailable", "message": _("二维码验证密钥暂不可用")})
        response.status_code = 503
        response.headers["Cache-Control"] = "no-store"
        return response
    response = Response(keyset.dumps(), mimetype="application/json")
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    response.make_conditional(request)
    return response
