"""The deviations of a follow-up report: for each measure off track or at risk, the provider's
explanation and corrective action (with its date) and the purchaser's answer, from the notes
kept with its values of the year (app.submissions.notes)."""

from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import User
from app.reports import status as st
from app.submissions.notes import threads

# The lights that call for an explanation: red and amber.
DEVIATING = frozenset({st.Status.off_track.value, st.Status.at_risk.value})


def attach_notes(session: Session, user: User, entries: list[dict[str, Any]]) -> None:
    """Give each measure entry its ``notes`` (those of red and amber measures: one query)."""
    off = [e for e in entries if e["status"] in DEVIATING]
    talk = threads(session, user, [v["id"] for e in off for v in e["reported_values"]])
    for e in entries:
        e["notes"] = [{"period": v["period"], "kind": n.kind.value, "text": n.text,
                       "action_due": n.action_due, "author_role": n.author_role,
                       "author": n.created_by, "at": n.created_at.replace(microsecond=0)}
                      for v in e["reported_values"] for n in talk.get(v["id"], [])]


def deviations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The red and amber measures, the worst first, with what their provider says and does and
    what the purchaser answered."""
    out = []
    for e in entries:
        if e["status"] not in DEVIATING:
            continue
        explained = [v for v in e["reported_values"] if v["comment"]]
        out.append({"code": e["code"], "name": e["name"], "unit": e["unit"],
                    "provider": e["provider"]["name"], "status": e["status"],
                    "value": e["value"], "target": e["target"],
                    "comments": explained[-1:], "notes": e["notes"]})
    out.sort(key=lambda d: -st.SEVERITY[st.Status(d["status"])])
    return out
