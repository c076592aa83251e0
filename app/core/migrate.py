"""Run Alembic's migrations from code (CLI, scripts, tests)."""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

ROOT = Path(__file__).resolve().parents[2]
# Tables that are not our models': procrastinate's (its schema.sql, applied by migration 0011).
FOREIGN_TABLE_PREFIX = "procrastinate_"


def include_name(name: str | None, type_: str, _parents: dict[str, str | None]) -> bool:
    """Autogenerate's filter: our tables, not procrastinate's (nor their indexes)."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIX))


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@lru_cache
def head_revision() -> str | None:
    """The newest schema revision this version of the code needs."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The schema revision the database is at (None: no schema at all)."""
    return MigrationContext.configure(connection).get_current_revision()
