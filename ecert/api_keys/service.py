"""API key rows: create, list and revoke (each with its audit event, in its transaction),
authenticate a presented key, and count its use per day.

Audit events never carry the key or its hash: only the key id, the organisation and the
limit. The whole key exists once, in the return value of :func:`create_key`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecert import EcertError, audit
from ecert.api_keys import keys
from ecert.db import Database
from ecert.models import ApiKey, ApiKeyUsage


class ApiKeyError(EcertError):
    """A key cannot be made or changed as asked; ``code``: ``organisation_empty``,
    ``organisation_too_long``, ``organisation_control``, ``bad_limit``, ``unknown_key``,
    ``already_revoked``."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class KeyInfo:
    """A key as staff see it (never its secret)."""

    key_id: str
    organisation: str
    rate_limit: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Caller:
    """The key a request presented, once checked: its row id (for counting), public id, own limit."""

    row_id: int
    key_id: str
    rate_limit: str | None


@dataclass(frozen=True)
class KeyUsage:
    """One key with its requests per day (newest first) since a day."""

    key: KeyInfo
    days: tuple[tuple[date, int, int], ...]  #: (day, requests, refused)

    @property
    def requests(self) -> int:
        return sum(day[1] for day in self.days)

    @property
    def refused(self) -> int:
        return sum(day[2] for day in self.days)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        key_id=row.key_id,
        organisation=row.organisation,
        rate_limit=row.rate_limit,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def create_key(
    db: Database, *, organisation: str, rate_limit: str | None, actor: str, now: datetime
) -> tuple[KeyInfo, str]:
    """A new key for ``organisation``: its row and the whole key, to be shown once."""
    problem = keys.organisation_problem(organisation)
    if problem is not None:
        raise ApiKeyError(f"organisation_{problem}", max=keys.MAX_ORGANISATION)
    limit = (rate_limit or "").strip() or None
    if limit is not None and keys.rate_limit_problem(limit):
        raise ApiKeyError("bad_limit", limit=limit)
    with db.write() as session:
        key_id, key = keys.new_key()
        while session.scalar(select(ApiKey.id).where(ApiKey.key_id == key_id)) is not None:
            key_id, key = keys.new_key()  # 40 bits: a collision is rare, never an error
        row = ApiKey(
            key_id=key_id,
            organisation=organisation.strip(),
            secret_sha256=keys.digest(key),
            rate_limit=limit,
            created_by=actor,
            created_at=now,
        )
        session.add(row)
        session.flush()
        payload = {"organisation": row.organisation, "rate_limit": limit}
        audit.append(
            session, actor=actor, action="api_key.create", subject=f"api_key:{key_id}", payload=payload, at=now
        )
        return _info(row), key


def list_keys(db: Database, *, actor: str, now: datetime) -> list[KeyInfo]:
    """Every key, newest first; the listing is audited like the console's search."""
    with db.write() as session:
        rows = session.scalars(select(ApiKey).order_by(ApiKey.id.desc())).all()
        found = [_info(row) for row in rows]
        audit.append(
            session, actor=actor, action="api_key.list", subject="api_keys", payload={"count": len(found)}, at=now
        )
    return found


def revoke_key(db: Database, key_id: str, *, actor: str, now: datetime) -> KeyInfo:
    """Revoke at once: the next request with the key is refused (401)."""
    wanted = key_id.strip().lower()
    with db.write() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_id == wanted)) if keys.KEY_ID.fullmatch(wanted) else None
        if row is None:
            raise ApiKeyError("unknown_key", key_id=key_id)
        if row.revoked_at is not None:
            raise ApiKeyError("already_revoked", key_id=row.key_id)
        row.revoked_at, row.revoked_by = now, actor
        payload = {"organisation": row.organisation}
        audit.append(
            session, actor=actor, action="api_key.revoke", subject=f"api_key:{row.key_id}", payload=payload, at=now
        )
        return _info(row)


def authenticate(db: Database, presented: str) -> Caller | None:
    """The key's caller when ``presented`` is a known key that is not revoked, else None."""
    key_id = keys.key_id_of(presented)
    if key_id is None:
        return None
    with db.read() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    if row is None or row.revoked_at is not None or not keys.matches(presented, row.secret_sha256):
        return None
    return Caller(row_id=row.id, key_id=row.key_id, rate_limit=row.rate_limit)


def count_use(db: Database, caller: Caller, day: date, *, refused: bool) -> None:
    """One more request of ``caller`` on ``day``: one upsert, no audit event (a count of
    reads, not a change of state)."""
    with db.write() as session:
        session.execute(_upsert(session, caller.row_id, day, refused))


def _upsert(session: Session, row_id: int, day: date, refused: bool):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ApiKeyUsage).values(api_key_id=row_id, day=day, requests=1, refused=int(refused))
    return statement.on_conflict_do_update(
        index_elements=[ApiKeyUsage.api_key_id, ApiKeyUsage.day],
        set_={
            "requests": ApiKeyUsage.requests + 1,
            "refused": ApiKeyUsage.refused + int(refused),
        },
    )


def usage_since(db: Database, since: date) -> list[KeyUsage]:
    """Every key (newest first) with its counts per day from ``since`` on."""
    with db.read() as session:
        rows = session.scalars(select(ApiKey).order_by(ApiKey.id.desc())).all()
        counted = session.execute(
            select(ApiKeyUsage.api_key_id, ApiKeyUsage.day, ApiKeyUsage.requests, ApiKeyUsage.refused)
            .where(ApiKeyUsage.day >= since)
            .order_by(ApiKeyUsage.day.desc())
        ).all()
    per_key: dict[int, list[tuple[date, int, int]]] = {}
    for row_id, day, requests, refused in counted:
        per_key.setdefault(row_id, []).append((day, requests, refused))
    return [KeyUsage(key=_info(row), days=tuple(per_key.get(row.id, ()))) for row in rows]
