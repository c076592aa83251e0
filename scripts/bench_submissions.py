#!/usr/bin/env python3
"""Benchmark the bulk upload of indicator values: validating and storing 10 000 rows.

Usage::

    .venv/bin/python scripts/bench_submissions.py [--rows 10000] [--repeat 3]
                                                  [--postgres-url URL] [--sqlite-only]
                                                  [--require-postgres]

It fills a fresh database (SQLite in a temporary file; PostgreSQL as a new database
``sopimus_bench_<random>`` at ``--postgres-url``, dropped at the end) with one provider whose
service agreement 2015 has ``rows / 12`` monthly measures with targets, and a provider reporter.
Then, per database and ``--repeat`` times (the median is reported):

- **csv**: ``app.submissions.bulk.import_file`` on a CSV of ``--rows`` rows (measure × month,
  value and comment) — reading, checking every row against the rules, inserting — and the
  commit, as ``POST /api/v1/submissions/bulk`` does without the HTTP around it;
- **xlsx**: the same rows as an XLSX workbook;
- **update**: the CSV again with every value changed: every row an update with its history row;
- **baseline**: a bare executemany of the same rows (``session.execute(insert(IndicatorValue),
  rows)``, the dicts built beforehand) and the commit; for *update*, the bare executemany of
  the updates and the history rows.

The rows are deleted between runs (not timed). As the server does after start-up (app.main's
lifespan), the long-lived objects are frozen out of the garbage collector's full collections
before timing. The aim — under 2 s per 10 000 rows and within
3× the baseline — is printed, not asserted. The script ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ["SOPIMUS_ARGON2_MEMORY_KIB"] = "1024"
os.environ["SOPIMUS_ARGON2_TIME_COST"] = "1"
os.environ.setdefault("SOPIMUS_ENVIRONMENT", "test")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from sqlalchemy import Engine, bindparam, delete, insert, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import models  # noqa: E402, F401  (every mapper configured)
from app.agreements.models import FrameworkAgreement, ServiceAgreement  # noqa: E402
from app.auth.models import Role, User  # noqa: E402
from app.auth.service import create_user  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.core.periods import Frequency, parse_period  # noqa: E402
from app.core.scratch import postgres_unreachable, scratch_database  # noqa: E402
from app.goals.models import Goal  # noqa: E402
from app.indicators.models import (  # noqa: E402
    Direction,
    IndicatorValue,
    Measure,
    MeasureTarget,
    Rollup,
    ValueStatus,
)
from app.organisations.models import Board, Municipality, Provider, ProviderKind  # noqa: E402
from app.submissions import bulk, files  # noqa: E402
from app.submissions.models import IndicatorValueRevision  # noqa: E402

AIM_SECONDS_PER_10K = 2.0
AIM_RATIO = 3.0
DEFAULT_POSTGRES_URL = os.environ.get(
    "SOPIMUS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
YEAR = 2015
BY = "bench"


def database(kind: str, postgres_url: str) -> tuple[Engine, Callable[[], None]]:
    return scratch_database(kind, postgres_url, "sopimus_bench")


def fill(engine: Engine, n_measures: int) -> tuple[int, int]:
    """One provider, one agreement 2015 with ``n_measures`` monthly measures; (user, provider)."""
    tenant: dict[str, Any] = {"created_by": BY, "updated_by": BY}
    with Session(engine, expire_on_commit=False) as session:
        municipality = Municipality(code="999", name_fi="Suurkunta", **tenant)
        session.add(municipality)
        session.flush()
        tenant["municipality_id"] = municipality.id
        board = Board(code="LANULA", name_fi="Lautakunta", **tenant)
        provider = Provider(code="P1", name="Tuottaja", kind=ProviderKind.company, **tenant)
        session.add_all([board, provider])
        session.flush()
        framework = FrameworkAgreement(board_id=board.id, title="Puitesopimus", first_year=2013,
                                       last_year=2016, **tenant)
        session.add(framework)
        session.flush()
        agreement = ServiceAgreement(code="PS-2015", framework_agreement_id=framework.id,
                                     provider_id=provider.id, year=YEAR, title="Sopimus", **tenant)
        session.add(agreement)
        session.flush()
        goal = Goal(service_agreement_id=agreement.id, code="1", title="Tavoite", **tenant)
        session.add(goal)
        session.flush()
        measures = [Measure(
            goal_id=goal.id, provider_id=provider.id, code=f"M{i:05d}", name=f"Mittari {i}",
            unit="kpl", direction=Direction.higher_is_better, tolerance=Decimal(50),
            frequency=Frequency.month, rollup=Rollup.sum, min_value=Decimal(0),
            max_value=Decimal(100_000), **tenant) for i in range(n_measures)]
        session.add_all(measures)
        session.flush()
        session.execute(insert(MeasureTarget), [
            {"measure_id": m.id, "year": YEAR, "value": Decimal(12_000), **tenant}
            for m in measures])
        user = create_user(session, username="bench-reporter", password="bench-password-123",
                           full_name="Bench", role=Role.provider_reporter,
                           municipality_id=municipality.id, provider_id=provider.id)
        session.commit()
        return user.id, provider.id


def file_rows(n_rows: int, offset: int = 0) -> list[list[Any]]:
    """measure × month, a value near the target (1 000 a month) and a comment."""
    rows = []
    for i in range(n_rows):
        measure, month = divmod(i, 12)
        rows.append([f"M{measure:05d}", f"{YEAR}-{month + 1:02d}",
                     str(960 + (i * 7) % 80 + offset), f"Toteuma {month + 1}/{YEAR}"])
    return rows


def as_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["measure_code", "period", "value", "comment"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def as_xlsx(rows: list[list[Any]]) -> bytes:
    """A workbook as Excel saves one (its sheet's dimension first, which openpyxl's streaming
    reader relies on; a write-only workbook puts it last and costs a second pass)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Arvot"
    sheet.append(["measure_code", "period", "value", "comment"])
    for code, period, value, comment in rows:
        sheet.append([code, period, float(value), comment])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def baseline_rows(engine: Engine, rows: list[list[Any]]) -> list[dict[str, Any]]:
    with Session(engine) as session:
        measure_ids = dict(session.execute(
            Measure.__table__.select().with_only_columns(Measure.code, Measure.id)).all())
        lineages = dict(session.execute(
            Measure.__table__.select().with_only_columns(Measure.id, Measure.lineage)).all())
        municipality_id = session.execute(
            Municipality.__table__.select().with_only_columns(Municipality.id)).scalar_one()
    stamp = datetime.now(UTC)
    out = []
    for code, period_code, value, comment in rows:
        period = parse_period(period_code)
        out.append({
            "municipality_id": municipality_id, "measure_id": measure_ids[code],
            "lineage": lineages[measure_ids[code]], "period": period.code,
            "period_start": period.start, "period_end": period.end,
            "value": Decimal(value), "comment": comment, "status": ValueStatus.submitted,
            "flagged": False, "flag_reason": None, "created_by": BY, "updated_by": BY,
            "created_at": stamp, "updated_at": stamp})
    return out


def clear(engine: Engine) -> None:
    with Session(engine) as session:
        session.execute(delete(IndicatorValueRevision))
        session.execute(delete(IndicatorValue))
        session.commit()


def timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(engine: Engine, n_rows: int, repeat: int) -> dict[str, Any]:
    n_measures = -(-n_rows // 12)
    user_id, provider_id = fill(engine, n_measures)
    rows = file_rows(n_rows)
    changed = file_rows(n_rows, offset=3)
    csv_data, csv_changed, xlsx_data = as_csv(rows), as_csv(changed), as_xlsx(rows)
    inserts = baseline_rows(engine, rows)
    today = date.today()
    # As the server's lifespan does after start-up: long-lived objects out of full collections.
    gc.collect()
    gc.freeze()

    def import_file(data: bytes, name: str) -> Callable[[], None]:
        def call() -> None:
            with Session(engine, expire_on_commit=False, autoflush=False) as session:
                user = session.get_one(User, user_id)
                result = bulk.import_file(session, user, data, name, provider_id,
                                          dry_run=False, today=today)
                session.commit()
            assert result.created + result.updated == n_rows, result
        return call

    def bare_insert() -> None:
        with Session(engine) as session:
            # Core, not the ORM: no audit trail, no row versions — the bare database cost.
            session.connection().execute(insert(IndicatorValue.__table__), inserts)
            session.commit()

    def load_first() -> list[dict[str, Any]]:
        """Store the rows; return the update and history rows a bare executemany writes."""
        bare_insert()
        with Session(engine) as session:
            ids = {(m, p): (i, v, c) for i, m, p, v, c in session.execute(
                IndicatorValue.__table__.select().with_only_columns(
                    IndicatorValue.id, IndicatorValue.measure_id, IndicatorValue.period,
                    IndicatorValue.value, IndicatorValue.comment))}
        return [{"row": ids[(r["measure_id"], r["period"])], "new": Decimal(c[2]), **r}
                for r, c in zip(inserts, changed, strict=True)]

    figures: dict[str, dict[str, list[float]]] = {
        "csv": {"seconds": [], "baseline": []}, "xlsx": {"seconds": [], "baseline": []},
        "update": {"seconds": [], "baseline": []}}
    for _ in range(repeat):
        clear(engine)
        figures["csv"]["baseline"].append(timed(bare_insert))
        figures["xlsx"]["baseline"].append(figures["csv"]["baseline"][-1])
        clear(engine)
        figures["csv"]["seconds"].append(timed(import_file(csv_data, "bench.csv")))
        clear(engine)
        figures["xlsx"]["seconds"].append(timed(import_file(xlsx_data, "bench.xlsx")))
        clear(engine)
        planned = load_first()
        stamp = datetime.now(UTC)

        def bare_update(planned: list[dict[str, Any]] = planned,
                        stamp: datetime = stamp) -> None:
            with Session(engine) as session:
                table = IndicatorValue.__table__
                session.connection().execute(
                    update(table).where(table.c.id == bindparam("b_id")).values(
                        value=bindparam("b_value"), comment=bindparam("b_comment"),
                        status=ValueStatus.submitted.value, return_reason=None,
                        reviewed_by=None, reviewed_at=None, flagged=False, flag_reason=None,
                        updated_by=BY, updated_at=stamp,
                        row_version=table.c.row_version + 1),
                    [{"b_id": p["row"][0], "b_value": p["new"], "b_comment": p["comment"]}
                     for p in planned])
                session.connection().execute(insert(IndicatorValueRevision.__table__), [
                    {"indicator_value_id": p["row"][0], "municipality_id": p["municipality_id"],
                     "old_value": p["row"][1], "new_value": p["new"], "old_comment": p["row"][2],
                     "new_comment": p["comment"], "old_status": ValueStatus.submitted,
                     "new_status": ValueStatus.submitted, "reason": "bench", "created_by": BY,
                     "updated_by": BY, "created_at": stamp, "updated_at": stamp}
                    for p in planned])
                session.commit()

        figures["update"]["baseline"].append(timed(bare_update))
        clear(engine)
        bare_insert()
        figures["update"]["seconds"].append(timed(import_file(csv_changed, "bench.csv")))
    gc.unfreeze()
    out: dict[str, Any] = {}
    for name, f in figures.items():
        seconds, base = statistics.median(f["seconds"]), statistics.median(f["baseline"])
        out[name] = {"seconds": round(seconds, 3), "rows_per_s": round(n_rows / seconds),
                     "baseline_seconds": round(base, 3),
                     "baseline_rows_per_s": round(n_rows / base),
                     "ratio": round(seconds / base, 2)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows per file (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--require-postgres", action="store_true")
    args = parser.parse_args(argv)
    if not 12 <= args.rows <= files.MAX_ROWS or args.repeat < 1:
        parser.error(f"--rows must be 12 to {files.MAX_ROWS}, --repeat at least 1")
    kinds = ["sqlite"]
    skipped = "--sqlite-only" if args.sqlite_only else postgres_unreachable(args.postgres_url)
    if skipped is None:
        kinds.append("postgresql")
    elif args.require_postgres:
        print(f"PostgreSQL is not reachable: {skipped}", file=sys.stderr)
        return 1
    report: dict[str, Any] = {"benchmark": "submissions", "rows": args.rows,
                              "repeat": args.repeat, "databases": {},
                              "aim": {"seconds_per_10000_rows": AIM_SECONDS_PER_10K,
                                      "ratio": AIM_RATIO}}
    aim_seconds = AIM_SECONDS_PER_10K * args.rows / 10_000
    for kind in kinds:
        engine, drop = database(kind, args.postgres_url)
        try:
            upgrade(engine)
            results = run(engine, args.rows, args.repeat)
        finally:
            drop()
        report["databases"][kind] = results
        print(f"\n{kind}: {args.rows:,} rows (median of {args.repeat})")
        print(f"{'':8} {'seconds':>8} {'rows/s':>8} {'baseline s':>11} {'base rows/s':>12} "
              f"{'ratio':>6}  aim")
        for name, r in results.items():
            met = r["seconds"] < aim_seconds and r["ratio"] <= AIM_RATIO
            print(f"{name:8} {r['seconds']:>8.3f} {r['rows_per_s']:>8,} "
                  f"{r['baseline_seconds']:>11.3f} {r['baseline_rows_per_s']:>12,} "
                  f"{r['ratio']:>6.2f}  {'ok' if met else 'MISSED'}")
    if "postgresql" not in report["databases"]:
        report["postgresql_skipped"] = skipped
    report["aim_met"] = {
        kind: {name: r["seconds"] < aim_seconds and r["ratio"] <= AIM_RATIO
               for name, r in results.items()}
        for kind, results in report["databases"].items()}
    print(json.dumps(report, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
