"""National indicators from THL's Sotkanet indicator bank (sotkanet.fi), loaded from files.

Two files in Sotkanet's own JSON formats, as its REST API (``/rest/1.1/json`` and
``/rest/1.1/regions``) returns them:

- data: an array of ``{"indicator", "region", "year", "gender", "value", "absValue"}``, where
  ``region`` is Sotkanet's internal region id and ``gender`` is male, female or total;
- regions: an array of ``{"id", "code", "category", "title": {"fi", "sv", "en"}}``; a
  municipality is category ``KUNTA`` with its Statistics Finland number as ``code`` ("109").

Every measure with ``source: national`` that the loading purchaser may change (his municipality's;
a purchaser manager's, his unit's board's) gets, for each year
of its framework agreement found in the data, the ``total`` value of its Sotkanet indicator and
region as the value of period ``<year>``: accepted at once and attributed to the purchaser, its
comment naming the source. The regions list resolves the measure's region id to its name and
municipality (:func:`municipality_region` finds a municipality's own region). A load is all or
nothing: a malformed file, or a national measure whose region the regions list does not know or
whose frequency has no yearly period, rejects it with every problem listed. A changed value is
updated with the change in its history, even when accepted and closed: the lock protects what
providers report, and THL revises its statistics.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import FrameworkAgreement, ServiceAgreement
from app.agreements.service import agreement_years
from app.auth.authz import Act, may, scope_writable
from app.auth.models import User
from app.core.db import utcnow
from app.core.errors import Forbidden, InvalidInput, PayloadTooLarge
from app.core.periods import period_codes
from app.goals.models import Goal
from app.indicators.models import DataSource, IndicatorValue, Measure, ValueStatus
from app.indicators.schemas import SotkanetId
from app.submissions.ledger import period_of, revision
from app.submissions.models import IndicatorValueRevision
from app.submissions.schemas import SotkanetMeasure, SotkanetResult

MAX_BYTES = 20 * 1024 * 1024
MUNICIPALITY = "KUNTA"
GENDER_TOTAL = "total"
PLACES = Decimal("0.0001")


class SotkanetValue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    indicator: SotkanetId
    region: SotkanetId
    year: Annotated[int, Field(ge=1900, le=2100)]
    gender: Literal["male", "female", "total"]
    value: Annotated[Decimal, Field(allow_inf_nan=False, gt=-(10**14), lt=10**14)] | None
    absValue: Annotated[Decimal, Field(allow_inf_nan=False)] | None = None


class RegionTitle(BaseModel):
    model_config = ConfigDict(extra="ignore")

    fi: str
    sv: str | None = None
    en: str | None = None


class SotkanetRegion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: SotkanetId
    code: str
    category: str
    title: RegionTitle


_values = TypeAdapter(list[SotkanetValue])
_regions = TypeAdapter(list[SotkanetRegion])


def check_size(data: bytes, what: str) -> None:
    """413 for a file above :data:`MAX_BYTES` (also before one is stored as a job)."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"The {what} file is larger than {MAX_BYTES // (1024 * 1024)} MiB")


def _parse(data: bytes, adapter: TypeAdapter[Any], what: str) -> Any:
    check_size(data, what)
    try:
        document = json.loads(data, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"The {what} file is not JSON: {str(exc)[:200]}", field=what) from None
    if not isinstance(document, list):
        raise InvalidInput(f"The {what} file must be a JSON array", field=what)
    try:
        return adapter.validate_python(document)
    except ValidationError as exc:
        errors = [{"file": what, "item": err["loc"][0] if err["loc"] else None,
                   "field": ".".join(str(p) for p in err["loc"][1:]), "message": err["msg"]}
                  for err in exc.errors()]
        raise InvalidInput(f"The {what} file has {len(errors)} error(s), nothing was loaded",
                           errors=errors) from None


def parse_values(data: bytes) -> list[SotkanetValue]:
    values: list[SotkanetValue] = _parse(data, _values, "data")
    return values


def parse_regions(data: bytes) -> list[SotkanetRegion]:
    regions: list[SotkanetRegion] = _parse(data, _regions, "regions")
    return regions


def _same_code(a: str, b: str) -> bool:
    return a.strip() == b.strip() or (a.strip().isdigit() and b.strip().isdigit()
                                       and int(a) == int(b))


def municipality_region(regions: Iterable[SotkanetRegion], code: str) -> SotkanetRegion | None:
    """Sotkanet's region of a municipality, by its Statistics Finland number ("109")."""
    return next((r for r in regions if r.category == MUNICIPALITY and _same_code(r.code, code)),
                None)


@dataclass
class _Measure:
    measure: Measure
    first_year: int
    last_year: int


def load(session: Session, user: User, values: list[SotkanetValue],
         regions: list[SotkanetRegion], *, municipality_id: int | None = None
         ) -> SotkanetResult:
    """Load the national measures' yearly values; all or nothing."""
    if not may(user, Act.load_national):
        raise Forbidden("Only the purchaser organisation loads national indicators")
    stmt = (
        scope_writable(session, select(Measure, *agreement_years()), Measure, user)
        .join(Goal, Goal.id == Measure.goal_id)
        .join(ServiceAgreement, ServiceAgreement.id == Goal.service_agreement_id)
        .outerjoin(FrameworkAgreement,
                   FrameworkAgreement.id == ServiceAgreement.framework_agreement_id)
        .where(Measure.source == DataSource.national)
        .order_by(Measure.municipality_id, Measure.code, Measure.id)
    )
    if municipality_id is not None:
        stmt = stmt.where(Measure.municipality_id == municipality_id)
    measures = [_Measure(m, first, last) for m, first, last in session.execute(stmt)]
    region_by_id = {r.id: r for r in regions}
    data: dict[tuple[int, int, int], Decimal] = {
        (v.indicator, v.region, v.year): v.value.quantize(PLACES) for v in values
        if v.gender == GENDER_TOTAL and v.value is not None
    }
    errors = []
    for item in measures:
        m = item.measure
        if m.sotkanet_region_id not in region_by_id:
            errors.append({"measure": m.code, "field": "sotkanet_region_id", "message": (
                f"region {m.sotkanet_region_id} of measure {m.code} is not in the regions list")})
        year = item.first_year
        if str(year) not in period_codes(year, m.frequency):
            errors.append({"measure": m.code, "field": "frequency", "message": (
                f"measure {m.code} is reported by {m.frequency.value}; a national indicator has "
                "yearly values: set its frequency to year")})
    if errors:
        raise InvalidInput(f"{len(errors)} national measure(s) cannot be loaded, nothing was "
                           "loaded", errors=errors)
    # By lineage: the versions of one agreement share their measures' values.
    existing = {(v.lineage, v.period): v for v in session.scalars(
        select(IndicatorValue).where(IndicatorValue.lineage.in_([i.measure.lineage
                                                                 for i in measures])))}
    stamp, by = utcnow(), user.username
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    report: list[SotkanetMeasure] = []
    for item in measures:
        m = item.measure
        assert m.sotkanet_indicator_id is not None and m.sotkanet_region_id is not None
        region = region_by_id[m.sotkanet_region_id]
        comment = (f"Lähde: THL Sotkanet, indikaattori {m.sotkanet_indicator_id}, "
                   f"{region.title.fi}")
        done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
        for year in range(item.first_year, item.last_year + 1):
            number = data.get((m.sotkanet_indicator_id, m.sotkanet_region_id, year))
            if number is None:
                continue
            period = period_of(str(year))
            stored = existing.get((m.lineage, period.code))
            if stored is None:
                existing[(m.lineage, period.code)] = created = IndicatorValue(
                    municipality_id=m.municipality_id, measure_id=m.id, lineage=m.lineage,
                    period=period.code, period_start=period.start, period_end=period.end,
                    value=number, comment=comment, status=ValueStatus.accepted, reviewed_by=by,
                    reviewed_at=stamp, flagged=False, created_by=by, updated_by=by)
                session.add(created)
                done["created"].append(period.code)
            elif stored.value == number and stored.status == ValueStatus.accepted:
                done["unchanged"].append(period.code)
            else:
                session.add(IndicatorValueRevision(**revision(
                    stored, municipality_id=m.municipality_id, by=by, new_value=number,
                    new_comment=comment, new_status=ValueStatus.accepted,
                    reason="THL Sotkanet load")))
                stored.value, stored.comment, stored.status = number, comment, ValueStatus.accepted
                stored.return_reason, stored.flagged, stored.flag_reason = None, False, None
                stored.reviewed_by, stored.reviewed_at, stored.updated_by = by, stamp, by
                done["updated"].append(period.code)
        for key in totals:
            totals[key] += len(done[key])
        report.append(SotkanetMeasure(
            measure_id=m.id, measure_code=m.code, indicator=m.sotkanet_indicator_id,
            region=m.sotkanet_region_id, region_title=region.title.fi, **done))
    session.flush()
    return SotkanetResult(**totals, measures=report)
