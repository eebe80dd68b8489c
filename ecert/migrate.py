"""The Alembic migrations in ``migrations/``: applied by ``ecert db upgrade``, checked by every
other command that uses the database.

Commands refuse a database that is not at the latest revision, on SQLite as on PostgreSQL,
rather than migrating it themselves: a schema change is an operator's decision (backup
first), and one rule for both databases is easier to explain than two.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from ecert import EcertError
from ecert.command import Failure
from ecert.i18n import _
from ecert.kernel import kernel

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_VERSION_TABLE = "alembic_version"

P = ParamSpec("P")
R = TypeVar("R")


class SchemaNotCurrent(EcertError):
    """The database is not at the latest migration (``current`` is None when it has none)."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(f"database at revision {current}, latest is {head}")
        self.current, self.head = current, head


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in URL-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@functools.cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None, "migrations/ has no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, None when it has never been migrated."""
    with engine.connect() as connection:
        try:  # one query on the usual path: the table is there
            return connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalar()
        except (OperationalError, ProgrammingError):
            connection.rollback()
            if inspect(connection).has_table(_VERSION_TABLE):
                raise
            return None


def require_current_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaNotCurrent(current, head)


def needs_current_schema(command_function: Callable[P, R]) -> Callable[P, R]:
    """For a command (inside the app context) that uses the database: check it once, first,
    and say in one line what to do instead of failing on the first missing table."""

    @functools.wraps(command_function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            require_current_schema(kernel().db.engine)
        except SchemaNotCurrent as error:
            if error.current is None:
                message = _("数据库尚未迁移；请先运行 ecert db upgrade")
            else:
                message = _(
                    "数据库表结构不是最新版本（当前 %(current)s，应为 %(head)s）；请先运行 ecert db upgrade",
                    current=error.current,
                    head=error.head,
                )
            raise Failure(message) from None
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise Failure(_("无法连接数据库：%(reason)s", reason=reason)) from None
        return command_function(*args, **kwargs)

    return checked
