#!/usr/bin/env python3
"""Benchmark the main list and detail endpoints on a large municipality.

Usage::

    .venv/bin/python scripts/bench_api.py [--measures 2000] [--years 4] [--requests 200]
                                          [--require-postgres] [--postgres-url URL]
                                          [--sqlite-only] [--gc-freeze]
    .venv/bin/python scripts/bench_api.py --concurrent [--clients 16] [--seconds 5]
                                          [--rounds 3] [--max-requests 20000]
                                          [--without-access-log] [the options above]

It runs from the .venv that ./scripts/run makes (no test extras). It fills a fresh database
with one large municipality (code 999): 20 boards, a provider and a framework agreement per
board, a service agreement per board and year, goals, ``--measures`` monthly measures with a
target per year and ``--years`` years of monthly indicator values (2 000 × 48 = 96 000 by
default). Then it serves the app as ``sopimus serve`` does: uvicorn in a process of its own on
a free port of 127.0.0.1, on that database (uvicorn's access log off).

Sequential (the default): one client times ``--requests`` requests per endpoint as a purchaser
director, after a warm-up; req/s is 1 / mean latency. Each endpoint is compared with a baseline
measured in the same run: the same scoped select (and count, for lists) through a SQLAlchemy
session in this process, with no HTTP, no authentication and no serialisation. An endpoint
whose first request does not answer 200 is reported with its ``error`` (and its baseline)
instead of HTTP figures; if it asked for the first page with explicit ``limit=100``, the same
page is then also timed without page parameters (the defaults), labelled ``[default page of
100]``. ``--gc-freeze`` freezes this process's fill objects before the baseline is timed.

Concurrent (``--concurrent``): ``--clients`` keep-alive clients (asyncio, in this process)
against the app and against a bare FastAPI app (``bare_app``: one sync endpoint per read doing
the same token lookup, scoped select and read schema, nothing else), one server process each,
for a detail read, a page of 100 indicator values and the anonymous boards list. Each run
lasts ``--seconds`` or ``--max-requests``, whichever comes first; runs alternate (app, bare,
app, bare …) ``--rounds`` times so that the machine's noise shows in both series. Reported per
server: req/s, p50, p99, errors and req/s per round, the app's ratio to bare; and the server
process's CPU time per request (from /proc) with bare's over it, which hardly depends on what
else the machine runs (req/s and p99 do: on a shared machine compare the rounds).
``--without-access-log`` adds a third server: the app without its access-log write;
``--compare CHECKOUT`` another, the app of that checkout. The load generator shares the CPU
with the servers; it is the same for every server.

It runs on SQLite (a temporary file) and on PostgreSQL (a fresh database ``sopimus_bench_<random>``
created through the ``postgres`` maintenance database at ``--postgres-url``, dropped at the end).
Without a reachable PostgreSQL only SQLite is reported, unless ``--require-postgres`` is given
(then the script exits with status 1).

Output: a table per database, then exactly one line of JSON with every figure. The aims — p99
under 50 ms for a page of 100; at 16 clients a detail read at 0.7× the bare app or better —
are printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

# Cheap password hashing for the benchmark user; must be set before the app reads its settings.
os.environ["SOPIMUS_ARGON2_MEMORY_KIB"] = "1024"
os.environ["SOPIMUS_ARGON2_TIME_COST"] = "1"
os.environ.setdefault("SOPIMUS_ENVIRONMENT", "test")

# A server child of --compare imports the app from another checkout.
ROOT = Path(os.environ.get("SOPIMUS_BENCH_APP_ROOT") or Path(__file__).resolve().parents[1])
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi import FastAPI, Header  # noqa: E402
from sqlalchemy import Engine, create_engine, insert, select, text, update  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app import models  # noqa: E402, F401  (every mapper configured)
from app.agreements.models import (  # noqa: E402
    AgreementStatus,
    FrameworkAgreement,
    ServiceAgreement,
    service_agreement_boards,
)
from app.auth.models import Role, User  # noqa: E402
from app.auth.service import create_user, start_session, user_for_token  # noqa: E402

try:
    from app.core.access import get_readable
    from app.core.resources import Resource, list_stmt, resource_of, with_row_version
except ImportError:  # an older checkout (app.core.crud), served beside this one by --compare
    from app.core.crud import (  # type: ignore[import-not-found, no-redef]
        Resource,
        get_readable,
        list_stmt,
        with_row_version,
    )

    try:
        from app.core.crud import resource_of  # type: ignore[import-not-found, no-redef]
    except ImportError:  # older still
        from app.core.crud import _resources  # type: ignore[import-not-found]

        def resource_of(model: Any) -> Resource:
            return _resources[model]  # type: ignore[no-any-return]
from bench_concurrent_users import free_port  # noqa: E402  (a script beside this one)

from app.core.db import make_engine  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.core.pagination import Page, PageParams, fetch_page, page_of  # noqa: E402
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
        lineage = {m.id: m.lineage for m in measures}
        _progress(f"measures: {len(measures):,}", final=True)

        _bulk(session, MeasureTarget, [
            {"measure_id": m_id, "year": year, "value": Decimal(100 + year - FIRST_YEAR), **tenant}
            for m_id in measure_ids for year in year_range
        ], "measure targets")
        _progress(f"measure targets: {len(measure_ids) * years:,}", final=True)

        periods = [parse_period(f"{year}-{month:02d}") for year in year_range for month in range(1, 13)]
        values = [
            {"measure_id": m_id, "lineage": lineage[m_id], "period": p.code,
             "period_start": p.start, "period_end": p.end,
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
        return resource_of(self.model)

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


# ---------------------------------------------------------------------------------------------
# Servers: the app, and the bare app to compare it with, each in a uvicorn process of its own

SERVE = "_serve"  # the first argument of a server child
OURS, OURS_NO_LOG, BARE = "ours", "ours_no_access_log", "bare"


def bare_app(database_url: str, clients: int) -> FastAPI:
    """The least a FastAPI app does to answer the same reads: one sync endpoint each, the same
    token lookup, scoped select and read schema; no middleware, no dependencies, no access log.
    Its pool holds a connection per client (what one would configure for that load)."""
    engine = (make_engine(database_url) if database_url.startswith("sqlite")
              else create_engine(database_url, pool_size=clients, max_overflow=clients))
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    values, boards = resource_of(IndicatorValue), resource_of(Board)
    ValueRead, BoardRead = with_row_version(values.read), with_row_version(boards.read)
    bare = FastAPI()

    def caller(session: Session, authorization: str) -> User:
        return user_for_token(session, authorization.removeprefix("Bearer "))[0]

    @bare.get(API_PREFIX + values.path + "/{obj_id}", response_model=ValueRead)
    def value(obj_id: int, authorization: Annotated[str, Header()]) -> Any:
        with factory() as session:
            obj = get_readable(session, IndicatorValue, obj_id, caller(session, authorization),
                               values.options)
            session.commit()
            return obj

    @bare.get(API_PREFIX + values.path, response_model=Page[ValueRead])  # type: ignore[valid-type]
    def value_list(authorization: Annotated[str, Header()]) -> Any:
        with factory() as session:
            page = page_of(session, list_stmt(values, caller(session, authorization), None),
                           PageParams())
            session.commit()
            return page

    @bare.get(API_PREFIX + boards.path, response_model=Page[BoardRead])  # type: ignore[valid-type]
    def board_list() -> Any:
        with factory() as session:
            page = page_of(session, list_stmt(boards, None, None), PageParams())
            session.commit()
            return page

    return bare


def serve(name: str, port: int, clients: int) -> None:
    """The server child: uvicorn with the same options for every app, its log quiet."""
    import uvicorn

    database_url = os.environ["SOPIMUS_DATABASE_URL"]
    target: FastAPI = bare_app(database_url, clients) if name == BARE else app
    if name == OURS_NO_LOG:
        from app.core import db

        db._request_end_hooks[:] = [hook for hook in db._request_end_hooks
                                    if hook.__module__ != "app.auth.access"]
    uvicorn.run(target, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Any

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_servers(names: list[str], engine: Engine, clients: int,
                  roots: dict[str, str] | None = None) -> dict[str, Server]:
    """One server process per name on the database of ``engine``, once each answers; ``roots``
    maps a name to the checkout whose app it serves (as ``ours``)."""
    env = {**os.environ, "SOPIMUS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    servers: dict[str, Server] = {}
    try:
        for name in names:
            port = free_port()
            log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by Server.stop)
            root = (roots or {}).get(name)
            process = subprocess.Popen(
                [sys.executable, __file__, SERVE, OURS if root else name, str(port), str(clients)],
                env={**env, "SOPIMUS_BENCH_APP_ROOT": root} if root else env,
                stdout=log, stderr=subprocess.STDOUT)
            servers[name] = Server(name, port, process, log)
        for server in servers.values():
            _wait_until_up(server)
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if get(server.port, API_PREFIX + "/boards", {})[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    server.log.seek(0)
    output = server.log.read().decode(errors="replace")[-3000:]
    raise RuntimeError(f"the {server.name} server did not start:\n{output}")


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET on a connection of its own: the status and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# Load: keep-alive clients on one asyncio loop (cheaper per request than threads of http.client,
# so the generator takes less of the CPU it shares with the server; both apps pay it alike)


@dataclass
class Run:
    """What the clients of one run got from one server."""

    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    server_cpu_seconds: float | None = None

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def _request_bytes(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
                    ) -> tuple[int, bytes, bool]:
    """Send one request and read its answer: status, body, whether the server keeps the line."""
    writer.write(request)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head[9:12])
    fields = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
    if "content-length" not in fields:
        raise ValueError(f"HTTP {status} without content-length")
    body = await reader.readexactly(int(fields["content-length"]))
    return status, body, fields.get("connection", "").strip() != "close"


async def _client(port: int, requests: list[bytes], first: int, deadline: float,
                  budget: list[int], run: Run) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    i = first
    while budget[0] > 0 and time.perf_counter() < deadline:
        budget[0] -= 1
        request = requests[i % len(requests)]
        i += 1
        t0 = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", port)
            status, body, keep = await asyncio.wait_for(_exchange(*connection, request), 30)
        except (OSError, ValueError, asyncio.IncompleteReadError,  # TimeoutError is an OSError
                asyncio.LimitOverrunError) as exc:
            run.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            status, keep = 0, False
        else:
            if status == 200:
                run.latencies_ms.append((time.perf_counter() - t0) * 1000)
            else:
                run.errors.append(f"HTTP {status}: {body[:200].decode(errors='replace')}")
        if not keep and connection is not None:
            connection[1].close()
            connection = None
    if connection is not None:
        connection[1].close()


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) process ``pid`` has used, where /proc tells it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_server(server: Server, paths: list[str], headers: dict[str, str], clients: int,
                seconds: float, max_requests: int) -> Run:
    """``load`` on ``server``, with the CPU time its process spent meanwhile: unlike req/s it
    hardly depends on what else the machine is running."""
    before = cpu_seconds(server.process.pid)
    run = load(server.port, paths, headers, clients, seconds, max_requests)
    after = cpu_seconds(server.process.pid)
    if before is not None and after is not None:
        run.server_cpu_seconds = after - before
    return run


def load(port: int, paths: list[str], headers: dict[str, str], clients: int, seconds: float,
         max_requests: int) -> Run:
    """``clients`` clients asking ``paths`` in turn until ``seconds`` or ``max_requests``."""
    requests = [_request_bytes(path, headers) for path in paths]

    async def run_all() -> Run:
        run, budget = Run(), [max_requests]
        started = time.perf_counter()
        await asyncio.gather(*(
            _client(port, requests, c * len(requests) // clients, started + seconds, budget, run)
            for c in range(clients)))
        run.seconds = time.perf_counter() - started
        return run

    return asyncio.run(run_all())


# ---------------------------------------------------------------------------------------------
# Sequential: one client, each endpoint against its in-process baseline


def probe(port: int, endpoint: Endpoint, headers: dict[str, str]) -> str | None:
    """None if the endpoint answers 200 with a non-empty page, else what went wrong."""
    status, body = get(port, endpoint.url(0), headers)
    if status != 200:
        try:
            detail = json.loads(body).get("detail", body.decode(errors="replace"))
        except ValueError:
            detail = body.decode(errors="replace")
        return f"HTTP {status}: {str(detail)[:200]}"
    if endpoint.ids is None and not json.loads(body)["items"]:
        return "HTTP 200 but an empty page"
    return None


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


def _paths(endpoint: Endpoint) -> list[str]:
    return [endpoint.url(i) for i in range(len(endpoint.ids or [None]))]


def measure(engine: Engine, filled: Filled, n: int, gc_freeze: bool = False
            ) -> dict[str, dict[str, Any]]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    with factory() as session:
        user = session.get_one(User, filled.user_id)
    headers = {"Authorization": f"Bearer {filled.token}"}
    results: dict[str, dict[str, Any]] = {}
    if gc_freeze:
        gc.collect()
        gc.freeze()  # the baseline's process: full collections skip the fill's objects
    server = start_servers([OURS], engine, 1)[OURS]
    try:
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
            error = probe(server.port, endpoint, headers)
            if error is None:
                paths = _paths(endpoint)
                load(server.port, paths, headers, 1, 60.0, WARMUP)
                run = load(server.port, paths, headers, 1, math.inf, n)
                if run.errors:
                    raise RuntimeError(f"{endpoint.label}: {run.errors[0]}")
                http = run.latencies_ms
                p99 = percentile(http, 99)
                result = {
                    "p50_ms": round(percentile(http, 50), 2),
                    "p99_ms": round(p99, 2),
                    "mean_ms": round(statistics.fmean(http), 2),
                    "rps": round(run.rps, 1),
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
        server.stop()
        if gc_freeze:
            gc.unfreeze()
    return results


# ---------------------------------------------------------------------------------------------
# Concurrent: many clients, the app against the bare app, runs alternating


def concurrent_endpoints(filled: Filled) -> list[tuple[str, list[str], bool]]:
    """(label, paths asked in turn, whether a user asks) of the reads compared with bare."""
    rng = random.Random(42)
    values = API_PREFIX + resource_of(IndicatorValue).path
    ids = rng.sample(filled.value_ids, min(DETAIL_SAMPLE, len(filled.value_ids)))
    return [
        ("GET /api/v1/indicator-values/{id}", [f"{values}/{i}" for i in ids], True),
        ("GET /api/v1/indicator-values?limit=100", [f"{values}?limit=100"], True),
        ("GET /api/v1/boards (anonymous)", [API_PREFIX + resource_of(Board).path], False),
    ]


def _figures(runs: list[Run]) -> dict[str, Any]:
    latencies = [ms for run in runs for ms in run.latencies_ms]
    seconds = sum(run.seconds for run in runs)
    errors = [e for run in runs for e in run.errors]
    cpu = [run.server_cpu_seconds for run in runs]
    cpu_ms = round(1000 * sum(c for c in cpu if c is not None) / len(latencies), 2) \
        if latencies and None not in cpu else None
    return {
        "rps": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "requests": len(latencies),
        "errors": len(errors),
        "rounds_rps": [round(run.rps, 1) for run in runs],
        "cpu_ms_per_request": cpu_ms,
        **({"first_error": errors[0]} if errors else {}),
    }


def measure_concurrent(engine: Engine, filled: Filled, args: argparse.Namespace
                       ) -> dict[str, dict[str, Any]]:
    roots = {f"ours@{Path(root).name}": str(Path(root).resolve()) for root in args.compare}
    names = [OURS, BARE, *([OURS_NO_LOG] if args.without_access_log else []), *roots]
    servers = start_servers(names, engine, args.clients, roots)
    results: dict[str, dict[str, Any]] = {}
    try:
        for label, paths, as_user in concurrent_endpoints(filled):
            headers = {"Authorization": f"Bearer {filled.token}"} if as_user else {}
            for server in servers.values():  # warm-up: connections, caches, the pool
                load(server.port, paths, headers, args.clients, args.seconds / 4, 50 * args.clients)
            runs: dict[str, list[Run]] = {name: [] for name in names}
            for _round in range(args.rounds):
                for name in names:  # alternating, so that noise shows in every series
                    runs[name].append(load_server(servers[name], paths, headers, args.clients,
                                                  args.seconds, args.max_requests))
            figures = {name: _figures(runs[name]) for name in names}
            bare_rps = figures[BARE]["rps"]
            result: dict[str, Any] = {**figures, "ratio": round(figures[OURS]["rps"] / bare_rps, 2)
                                      if bare_rps else None}
            for name in names[2:]:
                key = "ratio_no_access_log" if name == OURS_NO_LOG else f"ratio_{name}"
                result[key] = round(figures[name]["rps"] / bare_rps, 2) if bare_rps else None
            bare_cpu = figures[BARE]["cpu_ms_per_request"]
            for name in names:  # bare's CPU per request over the server's: 1.0 is as cheap
                own_cpu = figures[name]["cpu_ms_per_request"]
                figures[name]["cpu_ratio"] = round(bare_cpu / own_cpu, 2) \
                    if bare_cpu and own_cpu else None
            results[label] = result
            _progress(f"{label}: {result['ratio']}× bare", final=True)
    finally:
        for server in servers.values():
            server.stop()
    return results


def print_concurrent(kind: str, results: dict[str, dict[str, Any]], args: argparse.Namespace
                     ) -> None:
    print(f"\n{kind}: {args.clients} clients, {args.rounds} × {args.seconds:g} s per server "
          f"(aim: detail ≥ 0.7× bare, p99 < {TARGET_P99_MS:.0f} ms, no errors)")
    width = max(len(label) for label in results)
    header = (f"{'endpoint':<{width}}  {'server':<24} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'errors':>6} {'× bare':>6} {'CPU ms':>6} {'× bare':>6}  req/s per round")
    print(header)
    print("-" * len(header))
    for label, r in results.items():
        others = [(name, r[f"ratio_{name}"]) for name in r if f"ratio_{name}" in r]
        for name, ratio in ((OURS, r["ratio"]), (OURS_NO_LOG, r.get("ratio_no_access_log")),
                            *others, (BARE, None)):
            if name not in r:
                continue
            f = r[name]
            p50 = "—" if f["p50_ms"] is None else f"{f['p50_ms']:.1f}"
            p99 = "—" if f["p99_ms"] is None else f"{f['p99_ms']:.1f}"
            shown = "" if ratio is None else f"{ratio:.2f}"
            cpu = "—" if f["cpu_ms_per_request"] is None else f"{f['cpu_ms_per_request']:.2f}"
            cpu_ratio = "" if f["cpu_ratio"] is None or name == BARE else f"{f['cpu_ratio']:.2f}"
            print(f"{label:<{width}}  {name:<24} {f['rps']:>7.1f} {p50:>7} {p99:>7} "
                  f"{f['errors']:>6} {shown:>6} {cpu:>6} {cpu_ratio:>6}  "
                  f"{' '.join(str(x) for x in f['rounds_rps'])}")
            if "first_error" in f:
                print(f"{'':<{width}}  first error: {f['first_error']}")


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
    parser.add_argument("--postgres-only", action="store_true", help="skip SQLite")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="also gc.freeze() the benchmark's own objects before timing")
    concurrent = parser.add_argument_group("concurrent mode")
    concurrent.add_argument("--concurrent", action="store_true",
                            help="many clients against the app and a bare app, alternating")
    concurrent.add_argument("--clients", type=int, default=16, help="clients (default 16)")
    concurrent.add_argument("--seconds", type=float, default=5.0,
                            help="seconds per run (default 5)")
    concurrent.add_argument("--max-requests", type=int, default=20_000,
                            help="requests per run at most (default 20000)")
    concurrent.add_argument("--rounds", type=int, default=3,
                            help="runs per server and endpoint, alternating (default 3)")
    concurrent.add_argument("--without-access-log", action="store_true",
                            help="also serve the app without its access log (a third server)")
    concurrent.add_argument("--compare", action="append", default=[], metavar="CHECKOUT",
                            help="also serve the app of another checkout (e.g. a worktree of an "
                                 "older commit): before and after in the same run")
    args = parser.parse_args(argv)
    if args.measures < 100 or args.requests < 1:
        parser.error("--measures must be at least 100 and --requests at least 1")
    if args.sqlite_only and args.postgres_only:
        parser.error("--sqlite-only and --postgres-only exclude each other")
    if args.clients < 1 or args.seconds <= 0 or args.max_requests < 1 or args.rounds < 1:
        parser.error("--clients, --seconds, --max-requests and --rounds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    kinds = [] if args.postgres_only else ["sqlite"]
    skipped: str | None = "--sqlite-only" if args.sqlite_only else None
    if not args.sqlite_only:
        skipped = postgres_unreachable(args.postgres_url)
        if skipped is None:
            kinds.append("postgresql")
        elif args.require_postgres or args.postgres_only:
            print(f"PostgreSQL is not reachable at {args.postgres_url}: {skipped}", file=sys.stderr)
            return 1
        else:
            print(f"PostgreSQL is not reachable at {args.postgres_url}; reporting SQLite only "
                  f"({skipped})")

    report: dict[str, Any] = {"benchmark": "api", "mode": "sequential", "databases": {},
                              "fill_seconds": {}, "target_p99_ms": TARGET_P99_MS}
    for kind in kinds:
        database = scratch(kind, args.postgres_url)
        try:
            print(f"\n== {kind}: migrating and filling "
                  f"({args.measures:,} measures × {args.years * 12} months)")
            upgrade(database.engine)
            t0 = time.perf_counter()
            filled = fill(database.engine, args.measures, args.years)
            fill_seconds = time.perf_counter() - t0
            if args.concurrent:
                print(f"  filled in {fill_seconds:.1f} s; {args.clients} clients, "
                      f"{args.rounds} runs of {args.seconds:g} s per server and endpoint")
                results = measure_concurrent(database.engine, filled, args)
            else:
                print(f"  filled in {fill_seconds:.1f} s; timing {args.requests} requests per endpoint")
                results = measure(database.engine, filled, args.requests, args.gc_freeze)
        finally:
            database.drop()
        report["databases"][kind] = results
        report["fill_seconds"][kind] = round(fill_seconds, 1)
        report["size"] = filled.counts
        if args.concurrent:
            print_concurrent(kind, results, args)
        else:
            print_table(kind, results, fill_seconds)
    if args.concurrent:
        report.update(mode="concurrent", clients=args.clients, seconds=args.seconds,
                      rounds=args.rounds, total_seconds=round(time.perf_counter() - started, 1))
        if "postgresql" not in report["databases"]:
            report["postgresql_skipped"] = skipped
        print(json.dumps(report, ensure_ascii=False, separators=(",", ":")))
        return 0

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
    if sys.argv[1:2] == [SERVE]:
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(main())
