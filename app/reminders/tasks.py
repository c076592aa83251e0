"""The daily reminders as periodic work: a procrastinate periodic task on PostgreSQL (every day
at 06:00 UTC, run by one of the workers), the in-process runner's periodic work on SQLite (at
its first turn after 06:00 of each day); ``sopimus remind`` does the same from cron. The table
of digests sent makes a second run of a day send nothing."""

from datetime import UTC, date, datetime

from app.core.db import get_engine, get_sessionmaker
from app.core.queue import local, queue
from app.reminders.service import send_digests

HOUR = 6  # UTC: 08:00 in Finland in winter, 09:00 in summer
_last_day: list[date] = []


@queue.periodic(cron=f"0 {HOUR} * * *")
@queue.task(name="send_reminders", queueing_lock="send_reminders")
def send_reminders(timestamp: int) -> None:
    send_digests(get_sessionmaker(), datetime.fromtimestamp(timestamp, UTC).date())


def daily_on_sqlite() -> None:
    now = datetime.now(UTC)
    if now.hour < HOUR or (_last_day and _last_day[0] == now.date()):
        return
    if get_engine().dialect.name != "sqlite":
        return  # PostgreSQL's workers run the periodic task
    send_digests(get_sessionmaker(), now.date())
    _last_day[:] = [now.date()]


local.periodic.append(daily_on_sqlite)
