"""Several API processes share what they count: the settings refuse SQLite and a rate limit
store of each process' own (memory://) as soon as more than one process is configured."""

import pytest
from pydantic import ValidationError

from app.core.settings import Settings

POSTGRES = "postgresql://postgres@127.0.0.1:5432/sopimus"


def _refusal(**settings: object) -> str:
    with pytest.raises(ValidationError) as refused:
        Settings(**settings)  # type: ignore[arg-type]
    return str(refused.value.errors()[0]["msg"])


def test_several_processes_with_an_in_memory_rate_limit_store_are_refused() -> None:
    assert _refusal(workers=2, database_url=POSTGRES, rate_limit_storage="memory://") == (
        "Value error, SOPIMUS_RATE_LIMIT_STORAGE=memory:// keeps the login limits in each "
        "process alone, and SOPIMUS_WORKERS=2 processes would each count their own: set "
        "SOPIMUS_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379 (or another shared Redis) or serve "
        "with one worker.")


def test_several_processes_on_sqlite_are_refused() -> None:
    assert _refusal(workers=3, database_url="sqlite:///./sopimus.db",
                    rate_limit_storage="redis://127.0.0.1:6379") == (
        "Value error, SOPIMUS_WORKERS=3 needs PostgreSQL: the SQLite database "
        "(sqlite:///./sopimus.db) is served by one process. Set SOPIMUS_DATABASE_URL to a "
        "PostgreSQL database or serve with one worker.")


def test_several_processes_on_postgresql_and_redis_are_accepted() -> None:
    settings = Settings(workers=2, database_url=POSTGRES,
                        rate_limit_storage="redis://127.0.0.1:6379")
    assert settings.workers == 2


def test_one_process_keeps_the_embedded_defaults() -> None:
    settings = Settings(workers=1, database_url="sqlite:///./sopimus.db",
                        rate_limit_storage="memory://")
    assert settings.rate_limit_storage == "memory://"
