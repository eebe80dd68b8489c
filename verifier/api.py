"""Placeholder blueprint: filled in by issue #3."""

from flask import Blueprint

bp = Blueprint("verifier_api", __name__)
