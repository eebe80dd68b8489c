"""Placeholder blueprint: filled in by issue #3."""

from flask import Blueprint

bp = Blueprint("verifier_qr_keys", __name__)
