"""The deviations of a follow-up report: for each measure off track or at risk, the provider's
explanation and corrective action (with its date) and the purchaser's answer, from the notes
kept with its values of the year (app.submissions.notes)."""

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.auth.models import User
from app.indicators.models import IndicatorValue
from app.reports import status as st
from app.reports.follow_up_data import Deviation, MeasureEntry, Note
from app.submissions.notes import threads

# The lights that call for an explanation: red and amber.
DEVIATING = frozenset({st.Status.off_track.value, st.Status.at_risk.value})


def notes_of(session: Session, user: User, values: Iterable[IndicatorValue]
             ) -> dict[int, list[Note]]:
    """The notes on each of ``values`` (by value id) that the user may read: one query."""
    periods = {v.id: v.period for v in values}
    return {value_id: [Note(period=periods[value_id], kind=n.kind.value, text=n.text,
                            action_due=n.action_due, author_role=n.author_role,
                            author=n.created_by, at=n.created_at.replace(microsecond=0))
                       for n in talk]
            for value_id, talk in threads(session, user, periods).items()}


def deviations(entries: list[MeasureEntry]) -> list[Deviation]:
    """The red and amber measures, the worst first, with what their provider says and does and
    what the purchaser answered."""
    out = [Deviation(code=e.code, name=e.name, unit=e.unit, provider=e.provider.name,
                     status=e.status, value=e.value, target=e.target,
                     comments=[v for v in e.reported_values if v.comment][-1:], notes=e.notes)
           for e in entries if e.status in DEVIATING]
    return sorted(out, key=lambda d: -st.SEVERITY[st.Status(d.status)])
