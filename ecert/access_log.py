"""Access logs never record a QR claim.

A QR URL is ``/v/<token>?c=<claim>``; the claim is the signed summary of a certificate
and has no place in a log that operators, log shippers and backups all read.  The
development server (``ecert run``, Werkzeug) logs each request line: this filter blanks
the value of every ``c`` query parameter in it.  A production WSGI server writes its own
access log: configure it to log the path without the query (``gunicorn.conf.py`` logs
``%(U)s``, never ``%(r)s`` or ``%(q)s``; nginx ``$uri`` instead of ``$request``), as the
README's deployment notes say.
"""

from __future__ import annotations

import logging
import re

from ecert.qr_claim import QUERY_PARAMETER

REDACTED = "-"
_CLAIM = re.compile(rf"([?&]{QUERY_PARAMETER}=)[^&\s\"]*")


def redact(line: str) -> str:
    """``line`` with the value of every claim parameter replaced by ``REDACTED``."""
    return _CLAIM.sub(rf"\g<1>{REDACTED}", line)


class ClaimRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(logger_name: str = "werkzeug") -> None:
    """Add the filter to ``logger_name`` once (the app factory may run many times)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, ClaimRedactingFilter) for f in logger.filters):
        logger.addFilter(ClaimRedactingFilter())
