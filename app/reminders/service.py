"""Reminders by e-mail: each provider reporter's daily digest of the values due within
``SOPIMUS_REMINDER_DAYS`` days and those overdue (app.submissions.calendar.due_items, the
reporter's own scope), in the user's language.

At most one digest per user and day: the row of ``reminder_digests`` is stored in the
transaction that sends it (its unique key makes a second run of the same day, on this or
another worker, find it or wait for it and send nothing). A send that fails rolls it back, so
the next run tries again; a crash between the send and the commit can repeat one digest.
"""

import logging
from datetime import date, timedelta
from email.message import EmailMessage

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, User
from app.core.i18n import date_text, language, t
from app.core.settings import get_settings
from app.reminders import mail
from app.reminders.models import ReminderDigest
from app.submissions.calendar import DueItem, DueStatus, due_items

log = logging.getLogger(__name__)


class DigestRun(BaseModel):
    """What one run did, per reporter."""

    sent: int = 0
    already_sent: int = 0  # today's digest was sent before (a retried or duplicated run)
    without_email: int = 0  # something was due but the user has no e-mail address
    nothing_due: int = 0


class Digest(BaseModel):
    due: list[str]  # "code name (period): date" lines
    overdue: list[str]


def _line(item: DueItem, lang: str) -> str:
    return (f"{item['service_agreement_code']} / {item['measure_code']} {item['measure_name']} "
            f"({item['period']}): {date_text(item['due_date'], lang)}")


def digest_of(session: Session, user: User, today: date, days: int) -> Digest:
    lang = language(user.language)
    horizon = today + timedelta(days=days)
    due, overdue = [], []
    for item in due_items(session, user, as_of=today):
        if item["overdue"]:
            overdue.append(_line(item, lang))
        elif item["status"] in (DueStatus.due, DueStatus.returned) \
                and today <= item["due_date"] <= horizon:
            due.append(_line(item, lang))
    return Digest(due=due, overdue=overdue)


def message(user: User, digest: Digest, days: int) -> EmailMessage:
    lang = language(user.language)
    msg = EmailMessage()
    msg["Subject"] = t("reminder_subject", lang, due=len(digest.due), overdue=len(digest.overdue))
    msg["From"] = get_settings().smtp_from
    msg["To"] = user.email
    parts = [t("reminder_greeting", lang, name=user.full_name)]
    if digest.overdue:
        parts.append("\n".join([t("reminder_overdue", lang), *(f"- {x}" for x in digest.overdue)]))
    if digest.due:
        parts.append("\n".join([t("reminder_due", lang, days=days),
                                *(f"- {x}" for x in digest.due)]))
    parts.append(t("reminder_footer", lang))
    msg.set_content("\n\n".join(parts) + "\n")
    return msg


def send_digests(sessions: sessionmaker[Session], today: date, *,
                 connect: mail.Connect | None = None, days: int | None = None) -> DigestRun:
    """Send today's digest to every active provider reporter who has something due or overdue
    and has not had one today."""
    days = get_settings().reminder_days if days is None else days
    run = DigestRun()
    transport: mail.Transport | None = None
    with sessions() as session:
        users = session.scalars(select(User).where(
            User.role == Role.provider_reporter, User.is_active.is_(True)).order_by(User.id)).all()
        try:
            for user in users:
                if session.scalar(select(ReminderDigest.id).where(
                        ReminderDigest.user_id == user.id, ReminderDigest.day == today)):
                    run.already_sent += 1
                    continue
                digest = digest_of(session, user, today, days)
                session.rollback()  # end the read; each digest is its own transaction
                if not digest.due and not digest.overdue:
                    run.nothing_due += 1
                    continue
                if not user.email:
                    run.without_email += 1
                    continue
                session.add(ReminderDigest(user_id=user.id, day=today,
                                           items=len(digest.due) + len(digest.overdue)))
                try:
                    session.flush()  # another run's row of today: wait for it, then fail here
                except IntegrityError:
                    session.rollback()
                    run.already_sent += 1
                    continue
                transport = transport or (connect or mail.connect)()
                transport.send_message(message(user, digest, days))
                session.commit()
                run.sent += 1
        finally:
            if transport is not None:
                transport.quit()
    log.info("reminders of %s: %s", today, run.model_dump())
    return run
