"""The daily reminders as periodic work: a procrastinate periodic task on PostgreSQL (every day
at 06:00 UTC, run by one of the workers), the in-process runner's periodic work on SQLite (at
its first turn after 06:00 of each day); ``sopimus remind`` does the same from cron. The tables
of digests and items sent make a second run of a day send nothing."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.core.db import get_sessionmaker
from app.core.queue import local, queue
from app.reminders.service import send_digests

HOUR = 6  # UTC: 08:00 in Finland in winter, 09:00 in summer
RETRY_AFTER = timedelta(minutes=15)  # SQLite: a failed run (SMTP down) is tried again after this
_last_day: list[date] = []
_last_try: list[datetime] = []


def sessions() -> sessionmaker[Session]:
    """Where the reminders get their sessions (a function, so that tests can point it elsewhere)."""
    return get_sessionmaker()


@queue.periodic(cron=f"0 {HOUR} * * *")
@queue.task(name="send_reminders", queueing_lock="send_reminders")
def send_reminders(timestamp: int) -> None:
    send_digests(sessions(), datetime.fromtimestamp(timestamp, UTC).date())


def daily_on_sqlite(now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if now.hour < HOUR or (_last_day and _last_day[0] == now.date()):
        return
    factory = sessions()
    if factory.kw["bind"].dialect.name != "sqlite":
        return  # PostgreSQL's workers run the periodic task
    if _last_try and now - _last_try[0] < RETRY_AFTER:
        return
    _last_try[:] = [now]
    send_digests(factory, now.date())
    _last_day[:] = [now.date()]


local.periodic.append(daily_on_sqlite)
