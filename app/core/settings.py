"""Settings read from the environment (prefix ``SOPIMUS_``) or a ``.env`` file."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOPIMUS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./sopimus.db"
    secret_key: str = DEVELOPMENT_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    # Access tokens are server-side sessions: revoked at once on logout or when a user is disabled.
    session_hours: int = 8
    sql_echo: bool = False
    # The servers' and workers' log lines: "text" for a person, "json" (one object a line, with
    # the request or job id) for a log collector in production (app.core.logs).
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # argon2id cost: RFC 9106's second recommendation by default (64 MiB, 3 passes), above
    # OWASP's minimum (19 MiB, 2 passes). Only the test suite lowers it, to stay fast.
    argon2_memory_kib: int = 65536
    argon2_time_cost: int = 3
    # Two-factor authentication (TOTP) required for admins and purchaser directors.
    require_totp: bool = False
    # Login throttling ("limits" notation, moving windows), made so that nobody can lock a user
    # out by guessing at his account from elsewhere:
    # - failed logins per account from one address: the right password from the user's own
    #   address still works while another address hammers his account;
    login_rate_per_account_and_address: str = "10/minute"
    # - every login attempt per address, whatever the account (bounds one address' share of the
    #   password hashing work);
    login_rate_per_address: str = "30/minute"
    # - failed logins per account from all addresses together: a far higher cap against an
    #   attack from many addresses; reaching it is written to the access log (outcome 429), for
    #   admins to see at GET /api/v1/auth/access-log?outcome=429.
    login_rate_per_account: str = "100/hour"
    # Storage "memory://" is per process; use "redis://127.0.0.1:6379" when several workers serve
    # (refused below: each process would count alone, multiplying every limit by their number).
    rate_limit_storage: str = "memory://"
    # How many API processes serve (`sopimus serve --workers N` sets it for its processes).
    # More than one needs PostgreSQL and Redis: everything the processes share lives there.
    workers: int = Field(default=1, ge=1)
    # The load balancers or proxies (addresses, comma-separated) whose X-Forwarded-For names the
    # client (`sopimus serve`): without it every login behind a balancer comes from its address
    # and one address' limit is everybody's.
    forwarded_allow_ips: str = ""
    # The access log (906/2019) is written in batches by one thread per process: every
    # access_log_flush_seconds, or at once when access_log_batch_size entries wait, and at shutdown.
    access_log_flush_seconds: float = 1.0
    access_log_batch_size: int = 200
    # A bulk upload of values larger than this, or a CSV file of more lines, is applied as a job
    # (202; poll /api/v1/submissions/jobs/{id}) rather than in the request; ?async=true asks for
    # one always.
    bulk_async_bytes: int = Field(default=1024 * 1024, ge=0)
    bulk_async_rows: int = Field(default=2000, ge=0)
    # SQLite (the embedded default): how long a writer waits for another writer to finish
    # before it gives up ("database is locked").
    sqlite_busy_timeout_ms: int = 30_000
    # The server refuses to start when the database cannot be reached or is not migrated to
    # the newest schema (the test suite, which gives the requests its own session, is not
    # checked). Turn off only where the server must start before its database; /readyz then
    # tells when it can serve.
    check_database_on_start: bool = True
    # HSTS is sent on every response; browsers honour it only over HTTPS.
    hsts_seconds: int = 31_536_000
    # Reminders by e-mail (app.reminders): a provider reporter is told of a value when it comes
    # within reminder_days of its due date and when it is overdue, a purchaser of his
    # providers' overdue values, each once per due date. Sent over SMTP when smtp_url is set, e.g.
    # "smtp://user:password@mail.example.fi:587" (STARTTLS), "smtps://…:465" (TLS) or
    # "smtp://127.0.0.1:25" (plain, a local relay); unset, the digests are only logged.
    reminder_days: int = 7
    smtp_url: str | None = None
    smtp_from: str = "sopimus@localhost"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "SOPIMUS_SECRET_KEY must be set to a secret of your own in production"
            )
        if self.environment == "production" and (
            self.argon2_memory_kib < 19456 or self.argon2_time_cost < 2
        ):
            raise ValueError("argon2 parameters below OWASP's minimum (19 MiB, 2 passes)")
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SOPIMUS_SECRET_KEY must be at least 32 characters in production")
        problem = several_processes_problem(self)
        if problem is not None:
            raise ValueError(problem)
        return self


def several_processes_problem(settings: Settings) -> str | None:
    """Why ``settings.workers`` processes cannot serve together, or None: what they share must
    be shared by them, not kept in each."""
    if settings.workers <= 1:
        return None
    if settings.database_url.startswith("sqlite"):
        return (f"SOPIMUS_WORKERS={settings.workers} needs PostgreSQL: the SQLite database "
                f"({settings.database_url}) is served by one process. Set SOPIMUS_DATABASE_URL "
                "to a PostgreSQL database or serve with one worker.")
    if settings.rate_limit_storage.startswith("memory://"):
        return (f"SOPIMUS_RATE_LIMIT_STORAGE={settings.rate_limit_storage} keeps the login limits "
                f"in each process alone, and SOPIMUS_WORKERS={settings.workers} processes would "
                "each count their own: set SOPIMUS_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379 "
                "(or another shared Redis) or serve with one worker.")
    return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
