"""What a user's reminder tells: a provider reporter the values of his provider due within the
reminder window and those overdue, a purchaser (director or manager) the overdue values of the
providers he may read; only the items not told of before, in the user's language.

The items are the due list's (app.submissions.calendar.due_items, in the user's own scope), each
identified by its measure's lineage (the same measure in every version of the agreement), its
period and its due date, so a reminder is sent once per due date, not once per day.
"""

from datetime import date, timedelta
from email.message import EmailMessage

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.core.i18n import date_text, language, t
from app.core.settings import get_settings
from app.organisations.service import providers_by_id
from app.reminders.models import ReminderItem, ReminderKind
from app.submissions.calendar import DueItem, DueStatus, due_items

# Who gets reminders: the reporters for their own values, the purchasers for their providers'.
REPORTERS = frozenset({Role.provider_reporter})
PURCHASERS = frozenset({Role.purchaser_director, Role.purchaser_manager})
RECIPIENTS = REPORTERS | PURCHASERS
# A value returned for correction is to be reported again like one never reported.
_TO_REPORT = (DueStatus.due, DueStatus.returned)


class Item(BaseModel):
    """One value to remind of, and its line in the e-mail."""

    lineage: str
    period: str
    kind: ReminderKind
    due_date: date
    text: str

    @property
    def key(self) -> tuple[str, str, ReminderKind, date]:
        return self.lineage, self.period, self.kind, self.due_date


def _text(row: DueItem, lang: str, provider: str | None) -> str:
    line = (f"{row['service_agreement_code']} / {row['measure_code']} {row['measure_name']} "
            f"({row['period']}): {date_text(row['due_date'], lang)}")
    return f"{provider}: {line}" if provider else line


def _kind(row: DueItem, user: User, today: date, horizon: date) -> ReminderKind | None:
    if row["overdue"]:
        return ReminderKind.overdue
    if user.role in REPORTERS and row["status"] in _TO_REPORT \
            and today <= row["due_date"] <= horizon:
        return ReminderKind.due
    return None


def items_of(session: Session, user: User, today: date, days: int) -> list[Item]:
    """Everything the user is to be reminded of today, told before or not."""
    lang = language(user.language)
    horizon = today + timedelta(days=days)
    rows = [(row, kind) for row in due_items(session, user, as_of=today)
            if (kind := _kind(row, user, today, horizon)) is not None]
    names: dict[int, str] = {}
    if user.role in PURCHASERS and rows:  # which provider is late: the purchaser's question
        names = {p.id: p.name for p in providers_by_id(
            session, user, (row["provider_id"] for row, _ in rows)).values()}
    return [Item(lineage=row["lineage"], period=row["period"], kind=kind,
                 due_date=row["due_date"], text=_text(row, lang, _whose(row, user, names)))
            for row, kind in rows]


def _whose(row: DueItem, user: User, names: dict[int, str]) -> str | None:
    """Whose item it is, where the user has several: the purchaser his provider's name, an
    organisation's reporter the municipality that asks (a reporter of one provider: none)."""
    if user.role in PURCHASERS:
        return names.get(row["provider_id"], row["provider_code"])
    return row["purchaser"] if user.provider_organisation_id is not None else None


def new_items(session: Session, user: User, items: list[Item]) -> list[Item]:
    """The items no earlier reminder told the user of."""
    if not items:
        return []
    told = {(r.lineage, r.period, r.kind, r.due_date) for r in session.execute(
        select(ReminderItem.lineage, ReminderItem.period, ReminderItem.kind,
               ReminderItem.due_date)
        .where(ReminderItem.user_id == user.id,
               ReminderItem.due_date >= min(i.due_date for i in items)))}
    return [i for i in items if i.key not in told]


def message(user: User, items: list[Item], days: int) -> EmailMessage:
    lang = language(user.language)
    overdue = [i.text for i in items if i.kind is ReminderKind.overdue]
    due = [i.text for i in items if i.kind is ReminderKind.due]
    msg = EmailMessage()
    if user.role in PURCHASERS:
        msg["Subject"] = t("reminder_purchaser_subject", lang, overdue=len(overdue))
        heading = t("reminder_purchaser_overdue", lang)
    else:
        msg["Subject"] = t("reminder_subject", lang, due=len(due), overdue=len(overdue))
        heading = t("reminder_overdue", lang)
    msg["From"] = get_settings().smtp_from
    msg["To"] = user.email
    parts = [t("reminder_greeting", lang, name=user.full_name)]
    if overdue:
        parts.append("\n".join([heading, *(f"- {x}" for x in overdue)]))
    if due:
        parts.append("\n".join([t("reminder_due", lang, days=days), *(f"- {x}" for x in due)]))
    parts.append(t("reminder_footer", lang))
    parts.append(t("reminder_turn_off", lang))
    msg.set_content("\n\n".join(parts) + "\n")
    return msg
