"""Reminders by e-mail, sent to a real SMTP server the tests start (tests/reminders/conftest.py):
a provider reporter is reminded of a value once when its due date comes near and once when it
has passed, a purchaser gets his providers' overdue values once, in the user's language, never
twice for the same due date, and not at all when the user has turned them off."""

import smtplib
import threading
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, User
from app.core.queue import postgres_conninfo, queue, run_worker
from app.reminders import tasks
from app.reminders.models import ReminderItem
from app.reminders.service import send_digests
from tests.helpers import auth, create, create_municipality, create_user
from tests.reminders.conftest import Inbox
from tests.submissions.helpers import submission_world

TODAY = date(2015, 4, 10)  # February's visits due 15.4. (in 5 days), January's overdue (15.3.)
REPORTER, PURCHASER = "raportoija@example.fi", "tilaaja@example.fi"
JANUARY = "KAYNNIT Mittari KAYNNIT (2015-01): 15.3.2015"
FEBRUARY = "KAYNNIT Mittari KAYNNIT (2015-02): 15.4.2015"


def _world(engine: Engine, purchaser_email: str | None = None) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as s:
        w = submission_world(s)
        w["reporter"].email = REPORTER
        w["purchaser"].email = purchaser_email
        w["silent"] = create_user(s, Role.provider_reporter, w["municipality"],
                                  provider_id=w["provider"].id, username="ilman-postia")
        s.commit()
    return w


def _set(engine: Engine, user: User, **fields: Any) -> None:
    with Session(engine) as s:
        row = s.get_one(User, user.id)
        for name, value in fields.items():
            setattr(row, name, value)
        s.commit()


def _sections(msg: EmailMessage) -> tuple[str, str]:
    """The overdue part and the due-soon part of a reporter's e-mail."""
    body = msg.get_content()
    overdue, _, due = body.partition("Raportoitava 7 päivän kuluessa:")
    return overdue, due


def test_a_reminder_reaches_the_smtp_server_once(committing_engine: Engine,
                                                   smtp_server: Inbox) -> None:
    _world(committing_engine)
    sessions = sessionmaker(committing_engine)
    run = send_digests(sessions, TODAY)
    assert (run.sent, run.without_email, run.already_sent) == (1, 2, 0)  # no address: skipped
    [msg] = smtp_server.messages
    assert smtp_server.recipients == [[REPORTER]]
    assert msg["From"] == "sopimus@kunta.example.fi"
    assert msg["Subject"] == "Sopimus: 1 raportoitavaa arvoa, 1 myöhässä"  # Finnish by default
    overdue, due = _sections(msg)
    assert JANUARY in overdue and FEBRUARY in due
    assert "Omat asetukset" in msg.get_content()  # where to turn them off

    again = send_digests(sessions, TODAY)  # a retried or repeated run of the day
    assert (again.sent, again.already_sent) == (0, 1)
    tomorrow = send_digests(sessions, date(2015, 4, 11))  # February still due within 7 days
    assert (tomorrow.sent, tomorrow.nothing_new) == (0, 1)
    assert len(smtp_server.messages) == 1


def test_an_overdue_value_is_told_of_once_when_its_due_date_has_passed(
        committing_engine: Engine, smtp_server: Inbox) -> None:
    _world(committing_engine)
    sessions = sessionmaker(committing_engine)
    send_digests(sessions, TODAY)
    for day in (date(2015, 4, 16), date(2015, 4, 17)):  # February's 15.4. has passed
        send_digests(sessions, day)
    _, overdue_notice = smtp_server.to(REPORTER)
    assert overdue_notice["Subject"] == "Sopimus: 0 raportoitavaa arvoa, 1 myöhässä"
    body = overdue_notice.get_content()
    assert FEBRUARY in body and JANUARY not in body  # January's was told of already
    with sessionmaker(committing_engine)() as s:  # Jan overdue, Feb due, Feb overdue
        assert s.scalar(select(func.count()).select_from(ReminderItem)) == 3


def test_a_due_date_moved_later_is_reminded_of_again(committing_engine: Engine,
                                                      smtp_server: Inbox) -> None:
    from app.submissions.models import ReportingDeadline

    w = _world(committing_engine)
    sessions = sessionmaker(committing_engine)
    send_digests(sessions, TODAY)
    with Session(committing_engine) as s:  # February's due date moves from 15.4. to 17.4.
        create(s, ReportingDeadline, service_agreement_id=w["agreement"].id, period="2015-02",
               due_date=date(2015, 4, 17))
        s.commit()
    send_digests(sessions, date(2015, 4, 11))
    _, moved = smtp_server.to(REPORTER)
    assert moved["Subject"] == "Sopimus: 1 raportoitavaa arvoa, 0 myöhässä"
    assert "KAYNNIT Mittari KAYNNIT (2015-02): 17.4.2015" in moved.get_content()


def test_the_purchaser_gets_the_overdue_list_of_his_providers(committing_engine: Engine,
                                                             smtp_server: Inbox) -> None:
    w = _world(committing_engine, purchaser_email=PURCHASER)
    with Session(committing_engine) as s:  # another municipality's purchaser reads none of it
        other = create_user(s, Role.purchaser_director, create_municipality(s, "837", "Muu"),
                            username="muu-tilaaja")
        other.email = "muu@example.fi"
        s.commit()
    sessions = sessionmaker(committing_engine)
    run = send_digests(sessions, TODAY)
    assert run.sent == 2 and smtp_server.to("muu@example.fi") == []
    [msg] = smtp_server.to(PURCHASER)
    assert msg["Subject"] == "Sopimus: 1 arvoa myöhässä tuottajilta"
    body = msg.get_content()
    assert f"{w['provider'].name}: SA1 / {JANUARY}" in body
    assert "2015-02" not in body  # due soon is the reporter's business, not yet late

    send_digests(sessions, date(2015, 4, 11))  # nothing new
    send_digests(sessions, date(2015, 4, 16))  # February is late now
    _, second = smtp_server.to(PURCHASER)
    assert second["Subject"] == "Sopimus: 1 arvoa myöhässä tuottajilta"
    assert f"{w['provider'].name}: SA1 / {FEBRUARY}" in second.get_content()
    assert JANUARY not in second.get_content()


def test_a_user_who_turned_reminders_off_gets_none(committing_engine: Engine,
                                                   smtp_server: Inbox) -> None:
    w = _world(committing_engine, purchaser_email=PURCHASER)
    _set(committing_engine, w["reporter"], reminders=False)
    _set(committing_engine, w["purchaser"], reminders=False)
    sessions = sessionmaker(committing_engine)
    run = send_digests(sessions, TODAY)
    assert (run.sent, run.turned_off) == (0, 2)
    assert smtp_server.messages == []
    _set(committing_engine, w["reporter"], reminders=True)  # on again: what is pending comes
    send_digests(sessions, date(2015, 4, 11))
    [msg] = smtp_server.to(REPORTER)
    assert msg["Subject"] == "Sopimus: 1 raportoitavaa arvoa, 1 myöhässä"


def test_the_reminder_is_in_the_users_language(committing_engine: Engine,
                                               smtp_server: Inbox) -> None:
    w = _world(committing_engine, purchaser_email=PURCHASER)
    _set(committing_engine, w["reporter"], language="sv")
    _set(committing_engine, w["purchaser"], language="en")
    send_digests(sessionmaker(committing_engine), TODAY)
    [sv] = smtp_server.to(REPORTER)
    assert sv["Subject"] == "Sopimus: 1 värden att rapportera, 1 försenade"
    assert "Ska rapporteras inom 7 dagar:" in sv.get_content()
    [en] = smtp_server.to(PURCHASER)
    assert en["Subject"] == "Sopimus: 1 values overdue from providers"


def test_a_refused_send_is_tried_again_at_the_next_run(committing_engine: Engine,
                                                       smtp_server: Inbox) -> None:
    _world(committing_engine)
    sessions = sessionmaker(committing_engine)
    smtp_server.refuse = True
    with pytest.raises(smtplib.SMTPDataError):
        send_digests(sessions, TODAY)
    with sessions() as s:  # nothing recorded as sent
        assert s.scalar(select(func.count()).select_from(ReminderItem)) == 0
    smtp_server.refuse = False
    assert send_digests(sessions, TODAY).sent == 1
    assert len(smtp_server.to(REPORTER)) == 1


class HeldTransport:
    """The first run's SMTP connection, held in send_message until released: the second run
    starts while the first has stored its rows but not committed them."""

    def __init__(self) -> None:
        self.sending = threading.Event()
        self.release = threading.Event()
        self.sent: list[EmailMessage] = []

    def connect(self) -> "HeldTransport":
        return self

    def send_message(self, msg: EmailMessage) -> None:
        self.sending.set()
        assert self.release.wait(30)
        self.sent.append(msg)

    def quit(self) -> None:
        return None


def test_two_runs_at_once_send_one_reminder(committing_engine: Engine,
                                            smtp_server: Inbox) -> None:
    """Two workers (or a worker and cron) on the same day: the second waits for the first's
    rows and sends nothing."""
    _world(committing_engine)
    sessions = sessionmaker(committing_engine)
    held = HeldTransport()
    first: list[Any] = []
    worker = threading.Thread(
        target=lambda: first.append(send_digests(sessions, TODAY, connect=held.connect)))
    worker.start()
    assert held.sending.wait(30)
    second: list[Any] = []
    other = threading.Thread(target=lambda: second.append(send_digests(sessions, TODAY)))
    other.start()
    other.join(0.5)  # let it reach the rows the first run holds
    held.release.set()
    worker.join(30)
    other.join(30)
    assert (first[0].sent, second[0].sent, second[0].already_sent) == (1, 0, 1)
    assert len(held.sent) == 1 and smtp_server.messages == []


def test_the_daily_task_sends_them_on_either_database(
    committing_engine: Engine, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the procrastinate task, run by a worker; SQLite: the server's job thread's
    periodic work, once a day from 06:00 UTC."""
    _world(committing_engine)
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
        assert smtp_server.messages == []
        tasks.daily_on_sqlite(at)
        tasks.daily_on_sqlite(at.replace(hour=9))  # the same day again: nothing more
    assert smtp_server.recipients == [[REPORTER]]


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


def test_a_user_turns_his_own_reminders_off_and_chooses_their_language(
        client: TestClient, db: Session) -> None:
    w = submission_world(db)
    assert client.get("/api/v1/auth/me", headers=w["hr"]).json()["reminders"] is True
    off = client.patch("/api/v1/auth/me", json={"reminders": False, "language": "sv"},
                       headers=w["hr"])
    assert off.status_code == 200, off.text
    assert (off.json()["reminders"], off.json()["language"]) == (False, "sv")
    kept = client.patch("/api/v1/auth/me", json={}, headers=w["hr"])  # nothing said: unchanged
    assert (kept.json()["reminders"], kept.json()["language"]) == (False, "sv")
    bad = client.patch("/api/v1/auth/me", json={"language": "de"}, headers=w["hr"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "language"
    role = client.patch("/api/v1/auth/me", json={"role": "admin"}, headers=w["hr"])
    assert role.status_code == 422  # nobody sets what is not his to set
    assert client.get("/api/v1/auth/me", headers=w["hr"]).json()["role"] == "provider_reporter"
