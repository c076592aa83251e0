"""The submission service on a given day: the lock follows the period's due date."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.core.errors import Conflict
from app.goals.models import Goal
from app.indicators.models import ValueStatus
from app.submissions.calendar import DueStatus, due_items
from app.submissions.ledger import Action
from app.submissions.models import ReportingDeadline
from app.submissions.review import review
from app.submissions.values import submit
from tests.submissions.helpers import submission_world


def test_an_accepted_value_may_be_corrected_until_the_period_closes(db: Session) -> None:
    w = submission_world(db)
    reporter, purchaser, visits = w["reporter"], w["purchaser"], w["visits"]
    before_due = date(2015, 3, 10)  # 2015-01 is due on 15.3.2015
    value, action = submit(db, reporter, visits.id, "2015-01", Decimal(1180), None, None, before_due)
    assert action is Action.created
    review(db, purchaser, value.id, "accept", None, before_due)
    corrected, action = submit(db, reporter, visits.id, "2015-01", Decimal(1190), None,
                               "Myöhässä tulleet käynnit", date(2015, 3, 15))
    assert action is Action.updated
    assert corrected.status == ValueStatus.submitted  # back to the purchaser for review
    assert corrected.reviewed_by is None
    review(db, purchaser, value.id, "accept", None, date(2015, 3, 15))
    with pytest.raises(Conflict, match="closed on 2015-03-15"):
        submit(db, reporter, visits.id, "2015-01", Decimal(1200), None, "Vielä", date(2015, 3, 16))
    with pytest.raises(Conflict):
        review(db, purchaser, value.id, "return", "Tarkista", date(2015, 3, 16))


def test_the_due_list_follows_the_day_it_is_computed_for(db: Session) -> None:
    w = submission_world(db)
    statuses = {i["period"]: i["status"] for i in due_items(
        db, w["reporter"], as_of=date(2015, 5, 16)) if i["measure_id"] == w["visits"].id}
    assert [statuses[f"2015-{m:02d}"] for m in (1, 2, 3, 4)] == [
        DueStatus.overdue, DueStatus.overdue, DueStatus.overdue, DueStatus.due]


def test_a_later_explicit_deadline_keeps_an_accepted_value_open_to_review(db: Session) -> None:
    w = submission_world(db)
    visits, purchaser = w["visits"], w["purchaser"]
    agreement_id = db.get_one(Goal, visits.goal_id).service_agreement_id
    db.add(ReportingDeadline(municipality_id=visits.municipality_id,
                             service_agreement_id=agreement_id, period="2015-01",
                             due_date=date(2015, 4, 30), created_by="t", updated_by="t"))
    value, _ = submit(db, w["reporter"], visits.id, "2015-01", Decimal(1180), None, None,
                      date(2015, 3, 10))
    review(db, purchaser, value.id, "accept", None, date(2015, 3, 10))
    # The default date 15.3.2015 has passed, the agreement's own 30.4.2015 has not.
    returned = review(db, purchaser, value.id, "return", "Tarkista", date(2015, 4, 30))
    assert returned.status == ValueStatus.returned
    review(db, purchaser, value.id, "accept", None, date(2015, 4, 30))
    with pytest.raises(Conflict, match="closed on 2015-04-30"):
        review(db, purchaser, value.id, "return", "Vielä", date(2015, 5, 1))
