"""Reminders by e-mail: each day, every active provider reporter and purchaser who has reminders
on gets one digest of what is new for him (app.reminders.digest): a value entering the window
of ``SOPIMUS_REMINDER_DAYS`` days before its due date, a value whose due date has passed.
Nothing new, nothing sent.

Each reminder goes once per due date: the items told of are stored (``reminder_items``, unique
per user, measure lineage, period, kind and due date) with the day's digest
(``reminder_digests``, unique per user and day) in the transaction that sends it. Those unique
keys make a second run of the same day, on this or another worker, find the rows or wait for
them and send nothing. A send that fails rolls them back, so the next run tries again; a crash
between the send and the commit can repeat one digest.
"""

import logging
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User
from app.core.db import begin_write
from app.core.settings import get_settings
from app.reminders import mail
from app.reminders.digest import RECIPIENTS, Item, items_of, message, new_items
from app.reminders.models import ReminderDigest, ReminderItem

log = logging.getLogger(__name__)


class DigestRun(BaseModel):
    """What one run did, per user."""

    sent: int = 0
    already_sent: int = 0  # today's digest was sent before (a retried or duplicated run)
    without_email: int = 0  # something new, but the user has no e-mail address
    nothing_new: int = 0  # nothing due or overdue that he was not told of already
    turned_off: int = 0  # the user has turned reminders off


def _recipients(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(
        User.role.in_(RECIPIENTS), User.is_active.is_(True)).order_by(User.id)))


def _record(session: Session, user: User, today: date, items: list[Item]) -> bool:
    """Store today's digest and its items; False when another run has stored them."""
    begin_write(session)  # SQLite: wait for another run's writes instead of failing at once
    digest = ReminderDigest(user_id=user.id, day=today, items=len(items))
    session.add(digest)
    try:
        session.flush()  # another run's row of today: wait for it, then fail here
        session.add_all(ReminderItem(digest_id=digest.id, user_id=user.id, lineage=i.lineage,
                                     period=i.period, kind=i.kind, due_date=i.due_date)
                        for i in items)
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def _pending(session: Session, user: User, today: date, days: int,
             run: DigestRun) -> list[Item]:
    """What the user is to be told today, counted in ``run`` when nothing is."""
    if not user.reminders:
        run.turned_off += 1
        return []
    if session.scalar(select(ReminderDigest.id).where(
            ReminderDigest.user_id == user.id, ReminderDigest.day == today)):
        run.already_sent += 1
        return []
    items = new_items(session, user, items_of(session, user, today, days))
    if not items:
        run.nothing_new += 1
    elif not user.email:
        run.without_email += 1
        return []
    return items


def send_digests(sessions: sessionmaker[Session], today: date, *,
                 connect: mail.Connect | None = None, days: int | None = None) -> DigestRun:
    """Send today's digest to every reporter and purchaser with something new to be told."""
    days = get_settings().reminder_days if days is None else days
    run = DigestRun()
    transport: mail.Transport | None = None
    with sessions() as session:
        try:
            for user in _recipients(session):
                items = _pending(session, user, today, days, run)
                session.rollback()  # end the read; each digest is its own transaction
                if not items:
                    continue
                if not _record(session, user, today, items):
                    run.already_sent += 1
                    continue
                transport = transport or (connect or mail.connect)()
                transport.send_message(message(user, items, days))
                session.commit()
                run.sent += 1
        finally:
            if transport is not None:
                transport.quit()
    log.info("reminders of %s: %s", today, run.model_dump())
    return run
