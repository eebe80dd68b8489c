"""Alembic environment: the URL comes from ``ecert.settings`` (or the caller's config)."""

from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine, pool

from ecert.models import Base, UTCDateTime
from ecert.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # A generated migration names the database type, not the Python wrapper around it,
    # so migrations never import application code (ecert.models.UTCDateTime is TIMESTAMPTZ).
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True, render_item=render_item
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True, render_item=render_item
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
