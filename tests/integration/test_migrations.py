"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL:
a column or index added to ``ecert.models`` without its migration (or the reverse) fails
here, not on a deployment's first write."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from ecert.models import Base


def test_the_migrated_database_is_the_models_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_every_migration_goes_down_and_up_again(database_url: str) -> None:
    from alembic import command

    from ecert.migrate import alembic_config

    config = alembic_config(database_url)
    command.downgrade(config, "0006")
    command.upgrade(config, "head")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()
