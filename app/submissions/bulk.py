"""Bulk upload of indicator values from CSV or XLSX: all rows or nothing.

The file is read into a table by app.submissions.files (encodings, delimiters, limits, the
header row). A row without a value and comment is skipped.

Every row is checked in memory against the rules of a single submission (app.submissions.rules),
with the measures, targets, deadlines and stored values of the provider loaded once. A file with
any bad row is rejected and nothing stored; the answer lists the first
:data:`~app.submissions.columns.MAX_ERRORS` errors in row order (row as numbered in the file,
column, reason) and counts the rest. A dry run reports what would be created, updated or left
unchanged. The rows are then written with a few executemany statements inside the request's
one transaction.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from app.auth.authz import Act, authorize, reports_for
from app.auth.models import Role, User
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput
from app.core.periods import PeriodError
from app.indicators.models import IndicatorValue, Measure, ValueStatus
from app.submissions.columns import BulkRejected, RowError
from app.submissions.files import Table, read_table
from app.submissions.ledger import Action, Decision, Ledger, MeasureInfo, period_of, revision
from app.submissions.models import IndicatorValueRevision
from app.submissions.schemas import BulkResult, BulkRow

MAX_TEXT = 10_000
CHUNK = 1000  # rows per executemany: bounded memory per statement, same speed
FIELD_COLUMN = {"measure": "measure_code", "period": "period", "value": "value",
                "comment": "comment"}


# -- checking the rows -------------------------------------------------------------------------


def _text(cell: Any) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, datetime | date):
        raise ValueError("a date; write it as text (a period as e.g. 2015-T1 or 2015-03)")
    text = str(cell).strip()
    return text or None


_SPACES = str.maketrans("", "", " \u00a0\u202f'")
_LIMIT = Decimal(10) ** 14
_PLACES = Decimal("0.0001")


def parse_decimal(cell: Any) -> Decimal:
    """A number in the measure's unit: 12.5, 12,5 and 1 234,5 are all read; 4 decimals at most."""
    if isinstance(cell, bool):
        raise ValueError("expected a number")
    if isinstance(cell, int):
        number = Decimal(cell)
    elif isinstance(cell, float):
        if not math.isfinite(cell):
            raise ValueError("expected a finite number")
        number = Decimal(repr(cell))
        if abs(number) < _LIMIT:
            number = round(number, 10)  # Excel's binary floats: 12.3 stays 12.3
    elif isinstance(cell, Decimal):
        number = cell
    else:
        text = str(cell).strip().translate(_SPACES)
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"'{str(cell)[:40]}' is not a number") from None
    if not number.is_finite():
        raise ValueError("expected a finite number")
    if abs(number) >= _LIMIT:
        raise ValueError("the number is too large")
    if number != number.quantize(_PLACES):
        raise ValueError("at most 4 decimals")
    return number


@dataclass
class Plan:
    """What the file would do: the decisions of its rows, in file order."""

    source: str
    rows: list[tuple[int, Decision]] = field(default_factory=list)
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    flags: dict[int, str | None] = field(default_factory=dict)  # row -> flag reason

    def count(self, action: Action) -> int:
        return sum(1 for _, d in self.rows if d.action is action)


def plan(session: Session, user: User, provider_id: int, table: Table, today: date,
         source: str = "") -> Plan:
    """Check every row; collect every error. Nothing is written."""
    cols = table.columns
    header_of = {key: table.headers[i] for key, i in cols.items()}
    ledger = Ledger.load(session, user, provider_id=provider_id, history=True)
    by_code: dict[str, list[MeasureInfo]] = {}
    for measure in ledger.measures.values():
        by_code.setdefault(measure.code, []).append(measure)
    result = Plan(source, errors=list(table.errors))
    seen: dict[tuple[str, str], int] = {}

    def cell(cells: list[Any], key: str) -> Any:
        i = cols.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    for number, cells in table.rows:
        errors: list[RowError] = []

        def error(key: str, message: str, number: int = number,
                  errors: list[RowError] = errors) -> None:
            errors.append({"row": number, "column": header_of.get(key, key), "message": message})

        raw_value = cell(cells, "value")
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # an empty line
        texts: dict[str, str | None] = {}
        for key in ("measure_code", "period", "agreement", "goal", "comment"):
            try:
                texts[key] = _text(cell(cells, key))
            except ValueError as exc:
                error(key, str(exc))
                texts[key] = None
        if (raw_value is None or (isinstance(raw_value, str) and not raw_value.strip())) \
                and texts["comment"] is None:
            result.skipped += 1
            continue
        code, comment = texts["measure_code"], texts["comment"]
        if code is None and not errors:
            error("measure_code", "required")
        period = None
        if texts["period"] is None:
            if not errors:
                error("period", "required")
        else:
            try:
                period = period_of(texts["period"])
            except PeriodError as exc:
                error("period", str(exc))
        value = None
        if raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()):
            error("value", "required when the row has a comment")
        else:
            try:
                value = parse_decimal(raw_value)
            except ValueError as exc:
                error("value", str(exc))
        if comment is not None and (len(comment) > MAX_TEXT or "\x00" in comment):
            error("comment", f"at most {MAX_TEXT} characters, no NUL characters")
        info: MeasureInfo | None = None
        if code is not None and period is not None:
            candidates = by_code.get(code, [])
            if texts["agreement"]:
                candidates = [m for m in candidates if m.agreement_code == texts["agreement"]]
            if texts["goal"]:
                candidates = [m for m in candidates if m.goal_code == texts["goal"]]
            # The versions of one agreement share codes: the version in force for the period
            # is meant (a superseded one is refused by the rules, naming that one).
            candidates = [m for m in candidates if ledger.counts_for(m, period)] or candidates
            if len(candidates) > 1:
                same_year = [m for m in candidates if m.agreement_year == period.year]
                candidates = same_year or candidates
            if not candidates:
                where = "".join(f" in {k} {texts[k]}" for k in ("agreement", "goal") if texts[k])
                error("measure_code", f"no measure {code}{where} for your provider")
            elif len(candidates) > 1:
                error("measure_code", f"measure {code} is in several agreements or goals; fill in "
                                      "the agreement and goal columns")
            else:
                info = candidates[0]
        if info is not None and period is not None:
            earlier = seen.get((info.lineage, period.code))
            if earlier is not None:
                error("period", f"measure {info.code} for {period.code} is also on row {earlier}")
            seen[(info.lineage, period.code)] = number
        if errors or info is None or period is None or value is None:
            result.errors.extend(errors)
            continue
        decision = ledger.decide(user, info, period, value, comment, today)
        for field_name, message in decision.errors:
            error(FIELD_COLUMN.get(field_name, field_name), message)
        result.errors.extend(errors)
        result.rows.append((number, decision))
    if result.errors:
        return result
    changes = [(n, d) for n, d in result.rows if d.action is not Action.unchanged]
    for _, d in changes:  # the flag rule sees the file's other rows as earlier values too
        ledger.history.put(d.info.series(d.period), d.period, d.value)
    for n, d in changes:
        result.flags[n] = ledger.flag(d)
    return result


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


# An executemany that names each row with the version it was read at ("optimistic
# concurrency"): the ORM's own bulk UPDATE checks versions one row per statement.
_UPDATE = (
    update(IndicatorValue)
    .where(IndicatorValue.id == bindparam("b_id"),
           IndicatorValue.row_version == bindparam("b_row_version"))
    .values(value=bindparam("b_value"), comment=bindparam("b_comment"),
            status=ValueStatus.submitted, return_reason=None, reviewed_by=None,
            reviewed_at=None, flagged=bindparam("b_flagged"),
            flag_reason=bindparam("b_flag_reason"), updated_by=bindparam("b_updated_by"),
            updated_at=bindparam("b_updated_at"), row_version=IndicatorValue.row_version + 1)
    .execution_options(dml_strategy="core_only", synchronize_session=False)
)


def apply(session: Session, user: User, result: Plan) -> None:
    """Write the planned rows: a few executemany statements in the caller's transaction."""
    stamp = utcnow()
    by = user.username
    reason = f"file upload {result.source}".strip()
    inserts, updates, revisions = [], [], []
    for number, d in result.rows:
        flag = result.flags.get(number)
        if d.action is Action.created:
            inserts.append({
                "municipality_id": d.info.municipality_id, "measure_id": d.info.id,
                "lineage": d.info.lineage, "period": d.period.code, "period_start": d.period.start,
                "period_end": d.period.end, "value": d.value, "comment": d.comment,
                "status": ValueStatus.submitted, "flagged": flag is not None,
                "flag_reason": flag, "created_by": by, "updated_by": by,
                "created_at": stamp, "updated_at": stamp,
            })
        elif d.action is Action.updated:
            assert d.existing is not None
            updates.append({
                "b_id": d.existing.id, "b_row_version": d.existing.row_version,
                "b_value": d.value, "b_comment": d.comment, "b_flagged": flag is not None,
                "b_flag_reason": flag, "b_updated_by": by, "b_updated_at": stamp,
            })
            revisions.append(revision(
                d.existing, municipality_id=d.info.municipality_id, by=by, new_value=d.value,
                new_comment=d.comment, new_status=ValueStatus.submitted,
                reason=f"{reason}, row {number}"))
    for chunk in _chunks(inserts):
        session.execute(insert(IndicatorValue), chunk)
    for chunk in _chunks(updates):
        changed = session.execute(_UPDATE, chunk).rowcount  # type: ignore[attr-defined]
        if changed != len(chunk):
            raise Conflict(f"{len(chunk) - changed} of the values in this file were changed by "
                           "someone else while it was being checked. Nothing was stored: "
                           "upload the file again.")
    for chunk in _chunks(revisions):
        session.execute(insert(IndicatorValueRevision), chunk)
    session.flush()


def import_file(session: Session, user: User, data: bytes, filename: str, provider_id: int,
                *, dry_run: bool, today: date) -> BulkResult:
    """Check a whole file and, unless it is a dry run, store it; any bad row rejects it all."""
    if user.role is Role.provider_reporter and not reports_for(session, user, provider_id):
        raise InvalidInput("A provider reporter uploads only his own provider's values",
                           field="provider_id")
    table = read_table(data, filename)
    result = plan(session, user, provider_id, table, today, filename)
    if result.errors:
        raise BulkRejected(result.errors, filename)
    for measure_id in sorted({d.info.id for _, d in result.rows}):
        # the one write check per measure (a purchaser manager: only his unit's board)
        authorize(session, user, Act.write, session.get_one(Measure, measure_id), IndicatorValue)
    if not dry_run:
        apply(session, user, result)
    return BulkResult(
        dry_run=dry_run, created=result.count(Action.created),
        updated=result.count(Action.updated), unchanged=result.count(Action.unchanged),
        skipped=result.skipped,
        rows=[BulkRow(
            row=number, measure_id=d.info.id, measure_code=d.info.code,
            service_agreement_code=d.info.agreement_code, period=d.period.code,
            action=d.action, old_value=d.existing.value if d.existing else None,
            value=d.value, flagged=result.flags.get(number) is not None,
            flag_reason=result.flags.get(number),
        ) for number, d in result.rows if d.action is not Action.unchanged],
    )
