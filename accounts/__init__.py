"""Accounts: who logs in (holders bound to one ID number, staff bound to an office),
how (a password, one-time codes through a notifier), and the login itself (Flask-Login).

By noun: ``passwords`` (argon2id), ``codes`` (one-time and activation codes, stored as
HMACs), ``notifier`` (how codes reach people), ``services`` (registration, activation,
authentication, each with its audit event), ``users`` (the logged-in person as
Flask-Login sees it), ``views`` and ``cli`` at the edges.

Login sits behind one small interface (``services.check_password``, ``services.record_login``
and ``users``): a
deployment that puts an OpenID Connect provider in front replaces the login view and
keeps the rest (README, "Accounts").
"""

from __future__ import annotations

from ecert import EcertError


class AccountsError(EcertError):
    """Base of every error this package raises."""
