"""Alembic's migrations build exactly the models' schema, and downgrade to base works."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.core.db import Base
from app.core.migrate import downgrade, include_name, upgrade
from tests.conftest import DATABASES, empty_database


@pytest.mark.parametrize("kind", DATABASES)
def test_upgrade_yields_the_models_schema_and_downgrade_empties_it(
    kind: str, tmp_path: Path
) -> None:
    engine, drop = empty_database(kind, tmp_path)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_name": include_name})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"

        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)  # and up again from base
        assert "indicator_values" in inspect(engine).get_table_names()
    finally:
        drop()
