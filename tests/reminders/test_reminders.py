"""Reminders by e-mail: a provider reporter's daily digest of values due soon and overdue,
sent once per user and day, in the user's language."""

from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, User
from app.core.queue import postgres_conninfo, queue, run_worker
from app.reminders import mail, tasks
from app.reminders.models import ReminderDigest
from app.reminders.service import send_digests
from tests.helpers import auth, create_user
from tests.submissions.helpers import submission_world

TODAY = date(2015, 4, 10)  # February's visits due 15.4. (in 7 days), January's overdue


class FakeSMTP:
    """smtplib.SMTP's two methods the reminders use, keeping what was sent."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.connections = 0

    def connect(self) -> "FakeSMTP":
        self.connections += 1
        return self

    def send_message(self, msg: EmailMessage) -> None:
        self.sent.append(msg)

    def quit(self) -> None:
        return None


def _world(engine: Engine) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as s:
        w = submission_world(s)
        w["reporter"].email = "raportoija@example.fi"
        w["silent"] = create_user(s, Role.provider_reporter, w["municipality"],
                                  provider_id=w["provider"].id, username="ilman-postia")
        s.commit()
    return w


def test_a_reporter_gets_the_due_and_overdue_values_once_a_day(committing_engine: Engine
                                                                ) -> None:
    _world(committing_engine)
    smtp = FakeSMTP()
    sessions = sessionmaker(committing_engine)
    run = send_digests(sessions, TODAY, connect=smtp.connect)
    assert (run.sent, run.without_email, run.already_sent) == (1, 1, 0)
    [msg] = smtp.sent
    assert msg["To"] == "raportoija@example.fi"
    assert msg["Subject"] == "Sopimus: 1 raportoitavaa arvoa, 1 myöhässä"  # Finnish by default
    body = msg.get_content()
    overdue, due = body.split("Raportoitava 7 päivän kuluessa:")
    assert "KAYNNIT Mittari KAYNNIT (2015-01): 15.3.2015" in overdue
    assert "KAYNNIT Mittari KAYNNIT (2015-02): 15.4.2015" in due

    again = send_digests(sessions, TODAY, connect=smtp.connect)  # a retried or repeated run
    assert (again.sent, again.already_sent, again.without_email) == (0, 1, 1)
    assert len(smtp.sent) == 1 and smtp.connections == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReminderDigest)) == 1


def test_the_digest_is_in_the_users_language(committing_engine: Engine) -> None:
    w = _world(committing_engine)
    with Session(committing_engine) as s:
        reporter = s.get(User, w["reporter"].id)
        assert reporter is not None
        reporter.language = "sv"
        s.commit()
    smtp = FakeSMTP()
    send_digests(sessionmaker(committing_engine), TODAY, connect=smtp.connect, days=3)
    [msg] = smtp.sent
    assert msg["Subject"] == "Sopimus: 0 värden att rapportera, 1 försenade"  # 15.4. is in 5 days


def test_an_admin_sets_a_users_email(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    admin = auth(db, create_user(db, Role.admin, w["municipality"]))
    path = f"/api/v1/auth/users/{w['reporter'].id}"
    changed = client.patch(path, json={"email": "uusi@example.fi", "language": "sv"},
                           headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["language"]) == ("uusi@example.fi", "sv")
    bad = client.patch(path, json={"email": "ei osoite"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    cleared = client.patch(path, json={"email": None}, headers=admin)
    assert cleared.json()["email"] is None


def test_the_daily_task_sends_them_on_either_database(
    committing_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the procrastinate task, run by a worker; SQLite: the server's job thread's
    periodic work, once a day from 06:00 UTC."""
    _world(committing_engine)
    smtp = FakeSMTP()
    monkeypatch.setattr(mail, "connect", smtp.connect)
    monkeypatch.setattr(tasks, "sessions", lambda: sessionmaker(committing_engine))
    monkeypatch.setattr(tasks, "_last_day", [])
    monkeypatch.setattr(tasks, "_last_try", [])
    at = datetime(2015, 4, 10, 6, 30, tzinfo=UTC)
    if committing_engine.dialect.name == "postgresql":
        url = committing_engine.url.render_as_string(hide_password=False)
        with committing_engine.connect() as conn:
            driver = conn.connection.driver_connection
            queue.configure_task("send_reminders", connection=driver).defer(
                timestamp=int(at.timestamp()))
            driver.commit()
        run_worker(postgres_conninfo(url), wait=False, install_signal_handlers=False,
                   listen_notify=False)
    else:
        tasks.daily_on_sqlite(at.replace(hour=5))  # before 06:00: not yet
        assert smtp.sent == []
        tasks.daily_on_sqlite(at)
        tasks.daily_on_sqlite(at.replace(hour=9))  # the same day again: nothing more
    assert [m["To"] for m in smtp.sent] == ["raportoija@example.fi"]
