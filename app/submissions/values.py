"""Submitting and correcting one indicator value, with its history; the generic
``/indicator-values`` endpoints go through the same rules. No HTTP here."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import Act, authorize, scope
from app.auth.models import Role, User
from app.core import access
from app.core.access import get_readable
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.indicators.models import DataSource, IndicatorValue, Measure, ValueStatus
from app.submissions import rules
from app.submissions.ledger import Action, Decision, Ledger, clean_comment, period_of, revision
from app.submissions.models import IndicatorValueRevision
from app.submissions.review import locked_error

# -- one value ---------------------------------------------------------------------------------


def submit(session: Session, user: User, measure_id: int, period_code: str, value: Decimal,
           comment: str | None, reason: str | None, today: date) -> tuple[IndicatorValue, Action]:
    """Submit or correct the value of a measure for a period; a correction keeps history."""
    measure = get_readable(session, Measure, measure_id, user)
    authorize(session, user, Act.write, measure, IndicatorValue)
    ledger = Ledger.load(session, user, measure_ids=[measure.id], history=True)
    info = ledger.measures[measure.id]
    decision = ledger.decide(user, info, period_of(period_code), value, comment, today)
    stand_by(decision)
    refuse(decision, reason)
    if decision.action is Action.unchanged:
        assert decision.existing is not None
        return session.get_one(IndicatorValue, decision.existing.id), decision.action
    flag = ledger.flag(decision)
    if decision.existing is None:
        obj = IndicatorValue(
            municipality_id=info.municipality_id, measure_id=info.id, lineage=info.lineage,
            period=decision.period.code,
            period_start=decision.period.start, period_end=decision.period.end, value=value,
            comment=decision.comment, status=ValueStatus.submitted, flagged=flag is not None,
            flag_reason=flag, created_by=user.username, updated_by=user.username,
        )
        session.add(obj)
    else:
        obj = session.get_one(IndicatorValue, decision.existing.id)
        session.add(IndicatorValueRevision(**revision(
            obj, municipality_id=obj.municipality_id, by=user.username, new_value=value,
            new_comment=decision.comment, new_status=ValueStatus.submitted,
            reason=clean_comment(reason))))
        resubmit(obj, value, decision.comment, flag)
        obj.updated_by = user.username
    session.flush()
    return obj, decision.action


def stand_by(decision: Decision) -> None:
    """A returned value sent again as it was, on its own (a submission, a PATCH): the provider
    stands by it (the correction's reason says why) and it goes back to review. A file's
    unchanged row leaves it returned: a template filled in again says nothing about it."""
    if decision.action is Action.unchanged and decision.existing is not None \
            and not decision.existing.status.counts:
        decision.action = Action.updated


def refuse(decision: Decision, reason: str | None) -> None:
    """Raise what is wrong with a submitted value, the same way wherever it comes from: a locked
    value 409, a measure the provider does not report 403, else every problem at once (422),
    among them a correction without its reason."""
    if decision.conflict:
        raise Conflict(decision.errors[0][1], field=decision.errors[0][0])
    if decision.errors and decision.errors[0][0] == "measure":
        raise Forbidden(decision.errors[0][1], field="measure_id")
    errors = list(decision.errors)
    if decision.action is Action.updated and clean_comment(reason) is None:
        errors.append(("reason", "required for a correction: say why the value changes"))
    if errors:
        raise InvalidInput("; ".join(f"{f}: {m}" for f, m in errors), field=errors[0][0],
                           errors=[{"field": f, "message": m} for f, m in errors])


def resubmit(obj: IndicatorValue, value: Decimal, comment: str | None, flag: str | None) -> None:
    """A changed value goes (back) to the purchaser for review."""
    obj.value, obj.comment = value, comment
    obj.status = ValueStatus.submitted
    obj.return_reason = obj.reviewed_by = obj.reviewed_at = None
    obj.flagged, obj.flag_reason = flag is not None, flag


def history(session: Session, user: User, value_id: int) -> tuple[IndicatorValue,
                                                                    list[IndicatorValueRevision]]:
    value = get_readable(session, IndicatorValue, value_id, user)
    revisions = session.scalars(
        scope(select(IndicatorValueRevision), IndicatorValueRevision, user)
        .where(IndicatorValueRevision.indicator_value_id == value.id)
        .order_by(IndicatorValueRevision.created_at, IndicatorValueRevision.id)
    ).all()
    return value, list(revisions)


# -- the generic /indicator-values endpoints keep the same rules --------------------------------

_PENDING = "sopimus.pending_revisions"


def crud_value_rules(session: Session, value: IndicatorValue, data: dict[str, Any]) -> None:
    """POST/PATCH /indicator-values decide as :func:`submit` does (Ledger.decide, then
    :func:`refuse`): the lock, the period and range, the comment rule, and a correction's
    reason; the value goes back to review and keeps its history.

    Reporters and purchasers alike: a purchaser may also correct values of measures the
    provider does not report (after_write refuses those to a reporter), but not a locked value
    and not without a reason. The review itself is POST /indicator-values/{id}/review.
    """
    period = period_of(value.period)
    value.period, value.period_start, value.period_end = period.code, period.start, period.end
    with session.no_autoflush:  # the stored value, not the one being written
        ledger = Ledger.load(session, None, measure_ids=[value.measure_id], history=True)
    info = ledger.measures[value.measure_id]
    value.lineage = info.lineage
    decision = ledger.decide(None, info, period, value.value, value.comment, date.today())
    if value.id is None and decision.existing is not None:
        raise Conflict(f"measure {info.code} has a value for {period.code} (id "
                       f"{decision.existing.id}); correct that one", field="period")
    reason = data.get("reason")
    stand_by(decision)
    refuse(decision, reason)
    value.comment = decision.comment
    if decision.action is Action.unchanged:
        return
    if decision.existing is not None:
        session.info.setdefault(_PENDING, {})[value.id] = (decision.existing,
                                                           clean_comment(reason))
    resubmit(value, value.value, decision.comment, ledger.flag(decision))


def crud_value_after_write(session: Session, user: User, value: IndicatorValue,
                           _: dict[str, Any]) -> None:
    measure = session.get_one(Measure, value.measure_id)
    if user.role is Role.provider_reporter and measure.source != DataSource.provider:
        raise Forbidden(f"measure {measure.code} is not reported by the provider",
                        field="measure_id")
    pending = session.info.get(_PENDING, {}).pop(value.id, None)
    if pending is None:
        return
    old, reason = pending
    session.add(IndicatorValueRevision(**revision(
        old, municipality_id=value.municipality_id, by=user.username, new_value=value.value,
        new_comment=value.comment, new_status=value.status, reason=reason)))
    session.flush()


def crud_value_before_delete(session: Session, _: User, value: IndicatorValue) -> None:
    locked = locked_error(session, value, date.today())
    if locked is not None:
        raise locked


# A value written through /indicator-values meets the same rules as one submitted here: lock,
# comment, flag, history.
access.register(IndicatorValue, crud_value_rules, nested=frozenset({"reason"}),
              after_write=crud_value_after_write, before_delete=crud_value_before_delete)


def implausible(session: Session, user: User, measure_id: int, period_code: str,
                value: Decimal) -> tuple[str, Decimal] | None:
    """What ``value`` is more than ten times of (rules.implausible): the period's target, the
    measure's baseline, the mean of the provider's earlier values of the series; or None."""
    measure = get_readable(session, Measure, measure_id, user)
    ledger = Ledger.load(session, user, measure_ids=[measure.id], history=True)
    info = ledger.measures[measure.id]
    period = period_of(period_code)
    earlier = ledger.history.earlier(info.series(period), period)
    mean = sum(earlier, Decimal(0)) / len(earlier) if earlier else None
    return rules.implausible(value, [("target", info.target(period)),
                                     ("baseline", measure.baseline_value), ("earlier", mean)])


def last_values_of_series(session: Session, user: User, provider_id: int, code: str, unit: str,
                          other_than: str, limit: int) -> list[Any]:
    """The latest values (period, value, status) the user may read of a provider's series: its
    measures of this code and unit in any agreement, other than the period ``other_than``."""
    return list(session.execute(
        scope(select(IndicatorValue.period, IndicatorValue.value, IndicatorValue.status),
              IndicatorValue, user)
        .join(Measure, Measure.id == IndicatorValue.measure_id)
        .where(Measure.provider_id == provider_id, Measure.code == code,
               Measure.unit == unit, IndicatorValue.period != other_than)
        .order_by(IndicatorValue.period_end.desc(), IndicatorValue.period_start.desc())
        .limit(limit)).all())
