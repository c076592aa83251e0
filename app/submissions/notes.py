"""The conversation about a value that misses its target (poikkeaman käsittely): the provider
explains the miss and names a corrective action with its due date; the purchaser answers or
accepts. Each note is kept with the value as written (app.submissions.models.DeviationNote)."""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import PURCHASER_ROLES, Act, authorize, scope
from app.auth.models import Role, User
from app.core.access import get_readable
from app.core.audit import set_actor
from app.core.errors import Forbidden, InvalidInput
from app.core.i18n import N_
from app.indicators.models import IndicatorValue
from app.submissions.models import DeviationNote, NoteKind

# Who writes each kind of note: the provider speaks for his value, the purchaser answers.
PROVIDER_KINDS = frozenset({NoteKind.explanation, NoteKind.corrective_action})
PURCHASER_KINDS = frozenset({NoteKind.answer, NoteKind.accepted})


def kinds_for(user: User) -> frozenset[NoteKind]:
    if user.role is Role.provider_reporter:
        return PROVIDER_KINDS
    return PURCHASER_KINDS if user.role in PURCHASER_ROLES else frozenset()


def add(session: Session, user: User, value_id: int, kind: NoteKind, text: str,
        action_due: date | None) -> DeviationNote:
    """One note on the value ``value_id``: hidden value 404, another side's kind 403."""
    set_actor(session, user.username)
    value: IndicatorValue = get_readable(session, IndicatorValue, value_id, user)
    authorize(session, user, Act.comment, value)
    if kind not in kinds_for(user):
        raise Forbidden(f"Your role ({user.role.value}) may not write a note of kind "
                        f"{kind.value}", field="kind",
                        message=(N_("detail_note_kind_not_yours"), {"kind": kind.value}))
    text = text.strip()
    if not text and kind is not NoteKind.accepted:
        raise InvalidInput("text: write the note", field="text",
                           message=(N_("detail_note_text_required"), {}))
    if kind is NoteKind.corrective_action and action_due is None:
        raise InvalidInput("action_due: a corrective action needs its due date",
                           field="action_due", message=(N_("detail_note_action_due"), {}))
    if kind is not NoteKind.corrective_action and action_due is not None:
        raise InvalidInput("action_due: only a corrective action has a due date",
                           field="action_due", message=(N_("detail_note_no_action_due"), {}))
    note = DeviationNote(
        municipality_id=value.municipality_id, indicator_value_id=value.id,
        author_role=user.role.value, kind=kind, text=text, action_due=action_due,
        created_by=user.username, updated_by=user.username)
    session.add(note)
    session.flush()
    return note


def thread(session: Session, user: User, value_id: int) -> list[DeviationNote]:
    """The notes on a value the user may read, oldest first (hidden value 404)."""
    get_readable(session, IndicatorValue, value_id, user)
    return list(session.scalars(select(DeviationNote).where(
        DeviationNote.indicator_value_id == value_id).order_by(DeviationNote.id)))


def threads(session: Session, user: User | None, value_ids: Iterable[int]
            ) -> dict[int, list[DeviationNote]]:
    """The notes the user may read on each of the values, oldest first: one query."""
    wanted = set(value_ids)
    out: dict[int, list[DeviationNote]] = {}
    if not wanted:
        return out
    for note in session.scalars(scope(select(DeviationNote), DeviationNote, user).where(
            DeviationNote.indicator_value_id.in_(wanted)).order_by(DeviationNote.id)):
        out.setdefault(note.indicator_value_id, []).append(note)
    return out
