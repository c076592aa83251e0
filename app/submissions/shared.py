"""A shared indicator (yhteinen mittari): a provider that is party to agreements of several
municipalities reports one figure once, and it is stored for every purchaser's measure of that
indicator code in force for the period. No HTTP here.

Each value is stored through the single-value service (app.submissions.values.submit), so each
measure keeps its own rules (range, target and comment, lock, version in force) and its own
municipality's access: the reporter reaches only the measures of his own providers, and each
purchaser reads only the value stored to it. All or nothing: one refusal stores none.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import provider_ids, scope
from app.auth.models import User
from app.core.errors import Conflict, DomainError, InvalidInput, NotFound
from app.core.i18n import N_
from app.core.periods import Period
from app.indicators.models import DataSource, Measure
from app.organisations.models import Municipality
from app.submissions.calendar import municipality_names
from app.submissions.ledger import Ledger, MeasureInfo, period_of
from app.submissions.schemas import SharedStored
from app.submissions.values import submit


def measures_of_indicator(session: Session, user: User, indicator: str) -> list[int]:
    """The ids of the reporter's own measures (every municipality's) with this indicator code;
    404 if he has none: another provider's code is as unknown to him as one never used."""
    ids = list(session.scalars(scope(
        select(Measure.id).where(Measure.indicator_code == indicator,
                                 Measure.provider_id.in_(provider_ids(user)),
                                 Measure.source == DataSource.provider),
        Measure, user).order_by(Measure.municipality_id, Measure.id)))
    if not ids:
        raise NotFound(f"None of your measures has the shared indicator {indicator}",
                       field="indicator",
                       message=(N_("detail_shared_indicator_unknown"), {"indicator": indicator}))
    return ids


def in_force(ledger: Ledger, period: Period) -> list[MeasureInfo]:
    """The measures whose agreement covers the period in the version that counts for it."""
    return [info for info in ledger.measures.values()
            if info.first_year <= period.year <= info.last_year
            and ledger.counts_for(info, period)]


def submit_shared(session: Session, user: User, indicator: str, period_code: str,
                  value: Decimal, comment: str | None, reason: str | None, today: date,
                  purchasers: list[str]) -> list[SharedStored]:
    """Store ``value`` for every measure of the reporter's providers with the indicator code in
    force for the period, in every municipality; one refusal (422, naming the municipality and
    the measure) stores nothing. ``purchasers``: the municipalities' codes the reporter names,
    which must be exactly those asking (409 otherwise)."""
    period = period_of(period_code)
    ledger = Ledger.load(session, user, measure_ids=measures_of_indicator(session, user,
                                                                          indicator))
    targets = in_force(ledger, period)
    if not targets:
        raise InvalidInput(f"No measure of the shared indicator {indicator} is in force for "
                           f"{period.code}", field="period",
                           message=(N_("detail_shared_not_in_force"),
                                    {"indicator": indicator, "period": period.code}))
    names = municipality_names(session, {info.municipality_id for info in targets})
    _named_alike(session, {info.municipality_id for info in targets}, purchasers)
    stored: list[SharedStored] = []
    with session.begin_nested():  # all or nothing, whoever calls (a request, a test, the CLI)
        for info in targets:
            stored.append(_one(session, user, info, names[info.municipality_id], period,
                               value, comment, reason, today))
    return stored


def _one(session: Session, user: User, info: MeasureInfo, purchaser: str, period: Period,
         value: Decimal, comment: str | None, reason: str | None, today: date) -> SharedStored:
    try:
        row, action = submit(session, user, info.id, period.code, value, comment, reason, today)
    except DomainError as exc:
        where = f"{purchaser}, {info.agreement_code} {info.code}"
        raise InvalidInput(
            f"{where}: {exc.detail}; nothing was stored", field=exc.field or "value",
            message=(N_("detail_shared_refused"), {"where": where, "reason": exc.detail}),
            municipality=purchaser, service_agreement=info.agreement_code,
            measure=info.code) from None
    return SharedStored(
        municipality_id=info.municipality_id, purchaser=purchaser,
        service_agreement_id=info.agreement_id, service_agreement_code=info.agreement_code,
        measure_id=info.id, measure_code=info.code, indicator_value_id=row.id, action=action)


def _named_alike(session: Session, asking: set[int], named: list[str]) -> None:
    """The purchasers the reporter names are those asking for the figure: a municipality that
    declared his Y-tunnus and the indicator's code gets the figure only if he names it (409)."""
    codes = dict(session.execute(select(Municipality.id, Municipality.code)
                                 .where(Municipality.id.in_(asking))).all())
    unnamed = sorted(codes[i] for i in asking if codes[i] not in named)
    not_asking = sorted(set(named) - set(codes.values()))
    if unnamed or not_asking:
        raise Conflict(
            f"The purchasers asking for this figure are {', '.join(sorted(codes.values()))}; "
            f"not named: {', '.join(unnamed) or '-'}; named but not asking: "
            f"{', '.join(not_asking) or '-'}. Nothing was stored", field="purchasers",
            message=(N_("detail_shared_purchasers"), {
                "asking": ", ".join(sorted(codes.values())), "unnamed": ", ".join(unnamed) or "-",
                "not_asking": ", ".join(not_asking) or "-"}))
