#!/usr/bin/env python3
"""Benchmark the main list and detail endpoints on a large municipality.

Usage::

    .venv/bin/python scripts/bench_api.py [--measures 2000] [--years 4] [--requests 200]
                                          [--require-postgres] [--postgres-url URL]
                                          [--sqlite-only] [--gc-freeze]

It fills a fresh database with one large municipality (code 999): 20 boards, a provider and a
framework agreement per board, a service agreement per board and year, goals, ``--measures``
monthly measures with a target per year and ``--years`` years of monthly indicator values
(2 000 × 48 = 96 000 by default). Then it serves the app in-process (FastAPI's TestClient, the
database session dependency bound to the benchmark engine) and times ``--requests`` requests per
endpoint as a purchaser director, after a warm-up. Each endpoint is compared with a baseline
measured in the same run: the same scoped select (and count, for lists) through a SQLAlchemy
session with no HTTP, no authentication and no serialisation.

It runs on SQLite (a temporary file) and on PostgreSQL (a fresh database ``sopimus_bench_<random>``
created through the ``postgres`` maintenance database at ``--postgres-url``, dropped at the end).
Without a reachable PostgreSQL only SQLite is reported, unless ``--require-postgres`` is given
(then the script exits with status 1).

Output: a table per database, then exactly one line of JSON with every figure. The aim — p99
under 50 ms for a page of 100 — is printed, not asserted. An endpoint whose first request does
not answer 200 is reported with its ``error`` (and its baseline) instead of HTTP figures; if it
asked for the first page with explicit ``limit=100``, the same page is then also timed without
page parameters (the defaults are limit 100, offset 0), labelled ``[default page of 100]``.

Timings are single-client and sequential, so req/s is 1 / mean latency. The app's lifespan
freezes the start-up objects out of full collections (gc.freeze), as the server does;
``--gc-freeze`` also freezes the benchmark's own fill objects before timing.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

# Cheap password hashing for the benchmark user; must be set before the app reads its settings.
os.environ["SOPIMUS_ARGON2_MEMORY_KIB"] = "1024"
os.environ["SOPIMUS_ARGON2_TIME_COST"] = "1"
os.environ.setdefault("SOPIMUS_ENVIRONMENT", "test")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, insert, select, text, update  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app import models  # noqa: E402, F401  (every mapper configured)
from app.agreements.models import (  # noqa: E402
    AgreementStatus,
    FrameworkAgreement,
    ServiceAgreement,
    service_agreement_boards,
)
from app.auth.models import Role, User  # noqa: E402
from app.auth.service import create_user, start_session  # noqa: E402
from app.core.crud import Resource, _resources, get_readable, list_stmt  # noqa: E402
from app.core.db import get_db_session  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.core.pagination import PageParams, fetch_page  # noqa: E402
from app.core.periods import Frequency, parse_period  # noqa: E402
from app.core.scratch import postgres_unreachable, scratch_database  # noqa: E402
from app.goals.models import Goal  # noqa: E402
from app.indicators.models import (  # noqa: E402
    Direction,
    IndicatorValue,
    Measure,
    MeasureTarget,
    Rollup,
)
from app.main import API_PREFIX, app  # noqa: E402  (the served app, as uvicorn imports it)
from app.organisations.models import Board, Municipality, Provider, ProviderKind  # noqa: E402

TARGET_P99_MS = 50.0
DEFAULT_POSTGRES_URL = os.environ.get(
    "SOPIMUS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
FIRST_YEAR = 2022
BOARDS = 20
GOALS_PER_AGREEMENT = 5
WARMUP = 10
DETAIL_SAMPLE = 50
CHUNK = 10_000
BY = "bench"
PASSWORD = "bench-password-not-secret"


# ---------------------------------------------------------------------------------------------
# Databases


@dataclass
class Database:
    kind: str
    engine: Engine
    drop: Callable[[], None]


def scratch(kind: str, postgres_url: str) -> Database:
    engine, drop = scratch_database(kind, postgres_url, "sopimus_bench")
    return Database(kind, engine, drop)


# ---------------------------------------------------------------------------------------------
# Data


@dataclass
class Filled:
    token: str
    user_id: int
    measure_ids: list[int]
    value_ids: list[int]
    middle_measure_id: int
    last_year: int
    counts: dict[str, int] = field(default_factory=dict)


def _progress(message: str, final: bool = False) -> None:
    print(f"\r  {message:<70}", end="\n" if final else "", flush=True)


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]], what: str) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])
        _progress(f"{what}: {min(start + CHUNK, len(rows)):,}/{len(rows):,}")


def fill(engine: Engine, n_measures: int, years: int) -> Filled:
    """One large municipality, bulk inserted; returns what the requests need."""
    rng = random.Random(999)
    last_year = FIRST_YEAR + years - 1
    year_range = range(FIRST_YEAR, last_year + 1)
    attributed = {"created_by": BY, "updated_by": BY}
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        municipality = Municipality(code="999", name_fi="Suurkunta", name_sv="Storkommun",
                                    **attributed)
        session.add(municipality)
        session.flush()
        mid = municipality.id
        tenant = {"municipality_id": mid, **attributed}

        boards = [Board(code=f"B{b:02d}", name_fi=f"Lautakunta {b}", **tenant)
                  for b in range(1, BOARDS + 1)]
        providers = [
            Provider(code=f"P{b:02d}", name=f"Tuottaja {b}",
                     kind=ProviderKind.company if b % 2 else ProviderKind.own_production_unit,
                     **tenant)
            for b in range(1, BOARDS + 1)
        ]
        session.add_all([*boards, *providers])
        session.flush()
        frameworks = [
            FrameworkAgreement(board_id=board.id, title=f"Puitesopimus {board.code}",
                               first_year=FIRST_YEAR, last_year=last_year,
                               status=AgreementStatus.in_force, **tenant)
            for board in boards
        ]
        session.add_all(frameworks)
        session.flush()

        agreements: list[ServiceAgreement] = []
        for board, provider, framework in zip(boards, providers, frameworks, strict=True):
            for year in year_range:
                agreements.append(ServiceAgreement(
                    code=f"PS-{board.code}-{year}", framework_agreement_id=framework.id,
                    provider_id=provider.id, year=year, title=f"Palvelusopimus {board.code} {year}",
                    status=AgreementStatus.draft, **tenant,  # in force or closed once filled
                ))
        session.add_all(agreements)
        session.flush()
        session.execute(insert(service_agreement_boards), [
            {"service_agreement_id": agreement.id, "board_id": board.id}
            for agreement, board in zip(agreements, [b for b in boards for _ in year_range],
                                        strict=True)
        ])

        goals = [
            Goal(service_agreement_id=agreement.id, code=f"T{g}", title=f"Vuositavoite {g}",
                 **tenant)
            for agreement in agreements for g in range(1, GOALS_PER_AGREEMENT + 1)
        ]
        session.add_all(goals)
        session.flush()
        provider_of_goal = {
            goal.id: agreement.provider_id
            for goal, agreement in zip(
                goals, [a for a in agreements for _ in range(GOALS_PER_AGREEMENT)], strict=True
            )
        }
        _progress(f"{BOARDS} boards, {len(agreements)} service agreements, {len(goals)} goals",
                  final=True)

        measures = []
        for i in range(n_measures):
            goal = goals[i % len(goals)]
            measures.append(Measure(
                goal_id=goal.id, provider_id=provider_of_goal[goal.id], code=f"M{i:05d}",
                name=f"Mittari {i}", unit="kpl",
                direction=Direction.higher_is_better if i % 2 else Direction.lower_is_better,
                baseline_value=Decimal(100), baseline_year=FIRST_YEAR - 1,
                tolerance=Decimal(5), frequency=Frequency.month,
                rollup=(Rollup.sum, Rollup.mean, Rollup.last)[i % 3],
                min_value=Decimal(0), max_value=Decimal(1000), **tenant,
            ))
        session.add_all(measures)
        session.flush()
        measure_ids = [m.id for m in measures]
        _progress(f"measures: {len(measures):,}", final=True)

        _bulk(session, MeasureTarget, [
            {"measure_id": m_id, "year": year, "value": Decimal(100 + year - FIRST_YEAR), **tenant}
            for m_id in measure_ids for year in year_range
        ], "measure targets")
        _progress(f"measure targets: {len(measure_ids) * years:,}", final=True)

        periods = [parse_period(f"{year}-{month:02d}") for year in year_range for month in range(1, 13)]
        values = [
            {"measure_id": m_id, "period": p.code, "period_start": p.start, "period_end": p.end,
             "value": Decimal(rng.randint(0, 100_000)) / 100, **tenant}
            for m_id in measure_ids for p in periods
        ]
        _bulk(session, IndicatorValue, values, "indicator values")
        _progress(f"indicator values: {len(values):,}", final=True)

        # Only now: the content of an approved agreement is never written in place.
        for status, years_of in ((AgreementStatus.closed, ServiceAgreement.year < last_year),
                                 (AgreementStatus.in_force, ServiceAgreement.year == last_year)):
            session.execute(update(ServiceAgreement).where(
                ServiceAgreement.municipality_id == mid, years_of).values(status=status))

        user = create_user(session, username="bench-director", password=PASSWORD,
                           full_name="Bench Director", role=Role.purchaser_director,
                           municipality_id=mid)
        token = start_session(session, user)
        value_ids = list(session.scalars(select(IndicatorValue.id)))
        session.commit()

    if engine.dialect.name == "postgresql":
        # After a bulk load the planner needs statistics (autovacuum would gather them later).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return Filled(
        token=token, user_id=user.id, measure_ids=measure_ids, value_ids=value_ids,
        middle_measure_id=measure_ids[len(measure_ids) // 2], last_year=last_year,
        counts={"boards": BOARDS, "service_agreements": len(agreements), "goals": len(goals),
                "measures": len(measure_ids), "indicator_values": len(values)},
    )


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Endpoint:
    label: str
    model: Any
    params: dict[str, Any] = field(default_factory=dict)  # list: filters, limit and offset
    ids: list[int] | None = None  # detail: the ids to cycle through

    @property
    def resource(self) -> Resource:
        return _resources[self.model]

    def url(self, i: int) -> str:
        path = API_PREFIX + self.resource.path
        if self.ids is not None:
            return f"{path}/{self.ids[i % len(self.ids)]}"
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{path}?{query}" if query else path


def endpoints(filled: Filled) -> list[Endpoint]:
    rng = random.Random(42)
    n_measures, n_values = len(filled.measure_ids), len(filled.value_ids)
    offsets = sorted({n_measures // 2 // 100 * 100, n_measures - 100} - {0})
    return [
        Endpoint("GET /api/v1/measures?limit=100", Measure, {"limit": 100}),
        *(Endpoint(f"GET /api/v1/measures?limit=100&offset={offset}", Measure,
                   {"limit": 100, "offset": offset}) for offset in offsets),
        Endpoint("GET /api/v1/measures/{id}", Measure,
                 ids=rng.sample(filled.measure_ids, min(DETAIL_SAMPLE, n_measures))),
        Endpoint("GET /api/v1/indicator-values?limit=100", IndicatorValue, {"limit": 100}),
        Endpoint("GET /api/v1/indicator-values?limit=100&measure_id={id}", IndicatorValue,
                 {"limit": 100, "measure_id": filled.middle_measure_id}),
        Endpoint(f"GET /api/v1/indicator-values?limit=100&year={filled.last_year}", IndicatorValue,
                 {"limit": 100, "year": filled.last_year}),
        Endpoint("GET /api/v1/indicator-values/{id}", IndicatorValue,
                 ids=rng.sample(filled.value_ids, min(DETAIL_SAMPLE, n_values))),
        Endpoint("GET /api/v1/service-agreements?limit=100", ServiceAgreement, {"limit": 100}),
        Endpoint("GET /api/v1/boards", Board),
    ]


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _time(n: int, call: Callable[[int], None]) -> tuple[list[float], float]:
    for i in range(WARMUP):
        call(i)
    gc.collect()
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, time.perf_counter() - started


def probe(client: TestClient, endpoint: Endpoint, headers: dict[str, str]) -> str | None:
    """None if the endpoint answers 200 with a non-empty page, else what went wrong."""
    response = client.get(endpoint.url(0), headers=headers)
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        return f"HTTP {response.status_code}: {str(detail)[:200]}"
    if endpoint.ids is None and not response.json()["items"]:
        return "HTTP 200 but an empty page"
    return None


def http_call(client: TestClient, endpoint: Endpoint, headers: dict[str, str]) -> Callable[[int], None]:
    def call(i: int) -> None:
        response = client.get(endpoint.url(i), headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{endpoint.url(i)} -> {response.status_code}: {response.text[:300]}")
        response.json()

    return call


def baseline_call(factory: sessionmaker[Session], endpoint: Endpoint, user: User) -> Callable[[int], None]:
    """The same scoped select (and count) as the endpoint, through a session, no HTTP."""
    res = endpoint.resource
    params = dict(endpoint.params)
    page = PageParams(limit=params.pop("limit", 100), offset=params.pop("offset", 0))
    filters = res.filters(**params) if res.filters else None

    def call(i: int) -> None:
        with factory() as session:
            if endpoint.ids is not None:
                get_readable(session, res.model, endpoint.ids[i % len(endpoint.ids)], user, res.options)
            else:
                items, _total = fetch_page(session, list_stmt(res, user, filters), page)
                if not items:
                    raise RuntimeError(f"baseline of {endpoint.label}: no rows")
            session.commit()

    return call


def without_page_params(endpoint: Endpoint) -> Endpoint | None:
    """The same first page asked without limit/offset (the defaults are limit 100, offset 0)."""
    if endpoint.ids is not None or endpoint.params.get("offset", 0) or endpoint.params.get(
        "limit", 100
    ) != 100 or not {"limit", "offset"} & endpoint.params.keys():
        return None
    params = {k: v for k, v in endpoint.params.items() if k not in {"limit", "offset"}}
    label = endpoint.label.replace("limit=100&", "").replace("?limit=100", "")
    return Endpoint(f"{label} [default page of 100]", endpoint.model, params)


def _baseline_key(endpoint: Endpoint) -> tuple[Any, ...]:
    params = {"limit": 100, "offset": 0, **endpoint.params}
    return endpoint.model, tuple(sorted(params.items())), tuple(endpoint.ids or ())


def measure(app: FastAPI, engine: Engine, filled: Filled, n: int, gc_freeze: bool = False
            ) -> dict[str, dict[str, Any]]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)

    def session_override() -> Iterator[Session]:
        session = factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    with factory() as session:
        user = session.get_one(User, filled.user_id)
    headers = {"Authorization": f"Bearer {filled.token}"}
    results: dict[str, dict[str, Any]] = {}
    app.dependency_overrides[get_db_session] = session_override
    if gc_freeze:
        gc.collect()
        gc.freeze()  # what a server would do after start-up: full collections skip these objects
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            queue = endpoints(filled)
            baselines: dict[tuple[Any, ...], list[float]] = {}
            while queue:
                endpoint = queue.pop(0)
                key = _baseline_key(endpoint)
                if key not in baselines:  # a fallback asks for the same page as its endpoint
                    baselines[key] = _time(n, baseline_call(factory, endpoint, user))[0]
                base = baselines[key]
                base_p99 = percentile(base, 99)
                result: dict[str, Any] = {
                    "baseline_p50_ms": round(percentile(base, 50), 2),
                    "baseline_p99_ms": round(base_p99, 2),
                }
                error = probe(client, endpoint, headers)
                if error is None:
                    http, http_seconds = _time(n, http_call(client, endpoint, headers))
                    p99 = percentile(http, 99)
                    result = {
                        "p50_ms": round(percentile(http, 50), 2),
                        "p99_ms": round(p99, 2),
                        "mean_ms": round(statistics.fmean(http), 2),
                        "rps": round(n / http_seconds, 1),
                        **result,
                        "ratio_p99": round(p99 / base_p99, 2) if base_p99 else 0.0,
                    }
                    _progress(f"{endpoint.label}: p99 {p99:.1f} ms", final=True)
                else:
                    result = {"error": error, "p50_ms": None, "p99_ms": None, "mean_ms": None,
                              "rps": None, **result, "ratio_p99": None}
                    _progress(f"{endpoint.label}: {error}", final=True)
                    fallback = without_page_params(endpoint)
                    if fallback is not None:
                        queue.insert(0, fallback)
                results[endpoint.label] = result
    finally:
        app.dependency_overrides.pop(get_db_session, None)
        if gc_freeze:
            gc.unfreeze()
    return results


def print_table(kind: str, results: dict[str, dict[str, Any]], fill_seconds: float) -> None:
    width = max(len(label) for label in results)
    print(f"\n{kind} (filled in {fill_seconds:.1f} s; aim: p99 < {TARGET_P99_MS:.0f} ms)")
    header = (f"{'endpoint':<{width}}  {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}  "
              f"{'base p50':>8} {'base p99':>8} {'p99 ×':>6}  aim")
    print(header)
    print("-" * len(header))
    for label, r in results.items():
        base = f"{r['baseline_p50_ms']:>8.2f} {r['baseline_p99_ms']:>8.2f}"
        if "error" in r:
            print(f"{label:<{width}}  {'—':>8} {'—':>8} {'—':>8}  {base} {'—':>6}  {r['error']}")
            continue
        aim = "ok" if r["p99_ms"] < TARGET_P99_MS else "OVER"
        print(f"{label:<{width}}  {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['rps']:>8.1f}  "
              f"{base} {r['ratio_p99']:>6.2f}  {aim}")


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--measures", type=int, default=2000, help="measures (default 2000)")
    parser.add_argument("--years", type=int, default=4, choices=range(1, 9), metavar="1..8",
                        help="years of monthly values from 2022 (default 4)")
    parser.add_argument("--requests", type=int, default=200,
                        help="timed requests per endpoint (default 200)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="PostgreSQL server; the database name is ignored (default %(default)s)")
    parser.add_argument("--require-postgres", action="store_true",
                        help="exit 1 if PostgreSQL cannot be reached")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="also gc.freeze() the benchmark's own objects before timing")
    args = parser.parse_args(argv)
    if args.measures < 100 or args.requests < 1:
        parser.error("--measures must be at least 100 and --requests at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    kinds = ["sqlite"]
    skipped: str | None = "--sqlite-only" if args.sqlite_only else None
    if not args.sqlite_only:
        skipped = postgres_unreachable(args.postgres_url)
        if skipped is None:
            kinds.append("postgresql")
        elif args.require_postgres:
            print(f"PostgreSQL is not reachable at {args.postgres_url}: {skipped}", file=sys.stderr)
            return 1
        else:
            print(f"PostgreSQL is not reachable at {args.postgres_url}; reporting SQLite only "
                  f"({skipped})")

    report: dict[str, Any] = {"benchmark": "api", "databases": {}, "fill_seconds": {},
                              "target_p99_ms": TARGET_P99_MS}
    for kind in kinds:
        database = scratch(kind, args.postgres_url)
        try:
            print(f"\n== {kind}: migrating and filling "
                  f"({args.measures:,} measures × {args.years * 12} months)")
            upgrade(database.engine)
            t0 = time.perf_counter()
            filled = fill(database.engine, args.measures, args.years)
            fill_seconds = time.perf_counter() - t0
            print(f"  filled in {fill_seconds:.1f} s; timing {args.requests} requests per endpoint")
            results = measure(app, database.engine, filled, args.requests, args.gc_freeze)
        finally:
            database.drop()
        report["databases"][kind] = results
        report["fill_seconds"][kind] = round(fill_seconds, 1)
        report["size"] = filled.counts
        print_table(kind, results, fill_seconds)

    over = [f"{kind}: {label}" for kind, results in report["databases"].items()
            for label, r in results.items() if (r["p99_ms"] or 0) >= TARGET_P99_MS]
    failed = [f"{kind}: {label} ({r['error']})" for kind, results in report["databases"].items()
              for label, r in results.items() if "error" in r]
    print(f"\nAim p99 < {TARGET_P99_MS:.0f} ms: " + ("met on every endpoint measured" if not over else
                                                   "missed on " + "; ".join(over)))
    if failed:
        print("Not measured over HTTP (the request failed; baseline only):\n  " + "\n  ".join(failed))
    if "postgresql" not in report["databases"]:
        report["postgresql_skipped"] = skipped
    report["requests_per_endpoint"] = args.requests
    report["gc_freeze"] = args.gc_freeze
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, ensure_ascii=False, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
