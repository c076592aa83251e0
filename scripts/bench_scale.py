#!/usr/bin/env python3
"""The installation at scale on PostgreSQL: one API process against two under concurrent
clients, one worker against two on a burst of report jobs, and a worker killed mid-job.

Usage::

    .venv/bin/python scripts/bench_scale.py [--clients 16] [--seconds 10] [--rounds 1]
                                            [--jobs 20] [--postgres-url URL] [--redis-url URL]

``--jobs 0`` measures the requests only (steps 2 and 3 take several minutes: the killed
worker's job is given back one to two minutes after its death).

It runs from the .venv that ./scripts/run makes (no test extras; HTTP with the standard
library). It creates a fresh PostgreSQL database ``sopimus_scale_<random>`` beside
``--postgres-url`` (dropped at the end), migrates it and loads the demo data. Everything is
started as docs/deploy.md says, on 127.0.0.1 only: ``sopimus serve --workers N`` (login limits
in Redis at ``--redis-url``, JSON log lines with a line per request, as in production) and
``sopimus worker``.

1. Requests: ``sopimus serve --workers 1``, then ``--workers 2`` (``--rounds`` times in turn).
   ``--clients`` client processes, each a demo user with one keep-alive connection, for
   ``--seconds``: a page of 20 service agreements (list), one agreement (detail), and for the
   providers' reporters (109-hml-alue1, 109-hml-alue2 among them) a value submitted or
   corrected (submission: a real write, with a reason, alternating between two values within
   the target's tolerance). Figures: requests per second, p50 and p99 per kind and in all.
2. Jobs: one API process; ``--jobs`` agreement documents (distinct agreements and languages)
   asked at once by the purchaser director (POST /api/v1/reports/jobs), with one
   ``sopimus worker``, then with two: jobs per minute from the first request to the last done.
3. A worker killed: the same burst with two workers; once a job renders on the second one, its
   process group gets SIGKILL (a machine or container lost). The other worker goes on; the
   minute's stall check (app.core.queue.retry_stalled_jobs, run before the waiting jobs) gives
   the dead worker's job back once its heartbeat is a minute old. Told: the job, how far it
   was, when it was taken again and by whom, when it was done.

After each burst every job must be done, each with one issued report and every issued report
of the burst a job's (nothing lost, nothing done twice), procrastinate's jobs all succeeded.

Output: a line per run, the ratios two processes / one and two workers / one, the killed job's
story, then one line of JSON with every figure (``aims``: a detail's p99 under 50 ms at 16
clients, and every burst done exactly once). The clients share the machine's CPUs with the
servers and workers (and on a shared machine with whatever else runs): say so with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench_concurrent_users import READERS, TRANSPORT_ERRORS, Http, log_in, prepare_database
from bench_workers import SOPIMUS, cpu_seconds, servers, tail

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PURCHASER = "109-director"
REPORTERS = ["109-hml-alue1", "109-hml-alue2"]
# The reporters first, so that a small run has submissions too; then the other demo users.
USERS = [*REPORTERS, *(user for user in READERS if user not in REPORTERS)]
LIST = "/api/v1/service-agreements?limit=20"
JSON = {"Content-Type": "application/json"}


# -- requests --------------------------------------------------------------------------------


def submissions_of(http: Http) -> list[dict[str, Any]]:
    """The bodies a provider's reporter may send: each open period of his measures with a
    target, at the target and at half its tolerance on the good side (both meet the target)."""
    if json.loads(http.get("/api/v1/auth/me")[2]).get("role") != "provider_reporter":
        return []
    due = json.loads(http.get("/api/v1/submissions/due?limit=200")[2])["items"]
    bodies = []
    for item in due:
        if item["locked"] or item["target"] is None:
            continue
        target, step = Decimal(item["target"]), Decimal(item["tolerance"]) / 2
        other = target + step if item["direction"] == "higher_is_better" else target - step
        for value in (target, other):
            bodies.append({"measure_id": item["measure_id"], "period": item["period"],
                           "value": str(value), "reason": "Benchmark: corrected"})
    return bodies


def client(base: str, headers: dict[str, str], start: float, seconds: float,
           results: Any) -> None:
    """One keep-alive connection: list, detail (and a submission, for a reporter) in turn from
    ``start`` for ``seconds``; the milliseconds of each kind and the failures."""
    http = Http(base, headers)
    first = json.loads(http.get("/api/v1/service-agreements?limit=1")[2])["items"]
    work: list[tuple[str, str, str, dict[str, Any] | None]] = [("list", "GET", LIST, None)]
    if first:
        work.append(("detail", "GET", f"/api/v1/service-agreements/{first[0]['id']}", None))
    bodies = submissions_of(http)
    for _, method, path, _ in work:  # warm-up: the connection, the process's caches
        http.request(method, path)
    times: dict[str, list[float]] = {}
    errors: dict[str, dict[int, int]] = {}  # kind: {status (0: no answer): count}
    while time.time() < start:
        time.sleep(0.001)
    # The server closes a connection idle for 5 s (its keep-alive timeout): open it anew.
    with suppress(*TRANSPORT_ERRORS):
        http.request("GET", LIST)
    n = 0
    while time.time() < start + seconds:
        kind, method, path, body = work[n % len(work)]
        if bodies and n % (len(work) + 1) == len(work):
            kind, method, path, body = "submission", "POST", "/api/v1/submissions", \
                bodies[(n // (len(work) + 1)) % len(bodies)]
        n += 1
        began = time.perf_counter()
        try:
            status = http.request(method, path, body=json.dumps(body).encode() if body else None,
                                  headers=JSON if body else None)[0]
        except TRANSPORT_ERRORS:
            status = 0
        times.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
        if not 200 <= status < 300:
            by_status = errors.setdefault(kind, {})
            by_status[status] = by_status.get(status, 0) + 1
    results.put((times, errors))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def figures(times: list[float], seconds: float, errors: dict[int, int]) -> dict[str, Any]:
    """``errors``: the answers other than 2xx by status (0: none came)."""
    return {"requests": len(times), "errors": sum(errors.values()),
            "error_statuses": {str(k): v for k, v in sorted(errors.items())},
            "rps": round(len(times) / seconds, 1),
            "p50_ms": percentile(times, 0.50), "p99_ms": percentile(times, 0.99)}


def drive(base: str, tokens: list[dict[str, str]], seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = time.time() + 3 + len(tokens) * 0.2
    processes = [context.Process(target=client, args=(base, token, start, seconds, results))
                 for token in tokens]
    for process in processes:
        process.start()
    got = [results.get(timeout=seconds + 180) for _ in processes]
    for process in processes:
        process.join()
    kinds: dict[str, list[float]] = {}
    errors: dict[str, dict[int, int]] = {}
    every_error: dict[int, int] = {}
    for times, failed in got:
        for kind, values in times.items():
            kinds.setdefault(kind, []).extend(values)
        for kind, statuses in failed.items():
            for status, count in statuses.items():
                by_status = errors.setdefault(kind, {})
                by_status[status] = by_status.get(status, 0) + count
                every_error[status] = every_error.get(status, 0) + count
    every = [t for values in kinds.values() for t in values]
    result = figures(every, seconds, every_error)
    result["by_kind"] = {kind: figures(values, seconds, errors.get(kind, {}))
                         for kind, values in sorted(kinds.items())}
    return result


# -- jobs ------------------------------------------------------------------------------------


class Database:
    """Read-only looks at the benchmark's database (psycopg, autocommit)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, args).fetchall()

    def one(self, sql: str, *args: Any) -> Any:
        return self.conn.execute(sql, args).fetchone()[0]  # type: ignore[index]

    def workers(self) -> list[int]:
        return [row[0] for row in self.all("SELECT id FROM procrastinate_workers ORDER BY id")]


class Worker:
    """``sopimus worker`` in a process group of its own (its render children with it)."""

    def __init__(self, env: dict[str, str], db: Database, name: str) -> None:
        known = set(db.workers())
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen([SOPIMUS, "worker", "--name", name], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.name = name
        for _ in range(600):  # registered: its row in procrastinate_workers
            new = set(db.workers()) - known
            if new:
                self.id = new.pop()
                return
            if self.process.poll() is not None:
                raise SystemExit(f"worker {name} stopped: {tail(self.log)[-2000:]}")
            time.sleep(0.1)
        raise SystemExit(f"worker {name} did not register: {tail(self.log)[-2000:]}")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=120)
        self.log.close()


@contextmanager
def workers(env: dict[str, str], db: Database, count: int) -> Iterator[list[Worker]]:
    started = [Worker(env, db, f"w{i + 1}") for i in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def report_requests(http: Http, jobs: int) -> list[dict[str, Any]]:
    """``jobs`` distinct agreement documents (each its own lock: none waits for another)."""
    agreements = json.loads(http.get("/api/v1/service-agreements?limit=100")[2])["items"]
    ids = [a["id"] for a in agreements if a["status"] in ("in_force", "approved")]
    bodies = [{"kind": "agreement", "service_agreement_id": i, "language": language}
              for language in ("fi", "sv", "en") for i in ids]
    if len(bodies) < jobs:
        raise SystemExit(f"the demo has {len(bodies)} distinct agreement documents, not {jobs}")
    return bodies[:jobs]


def post(http: Http, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    """POST once more if the keep-alive connection was closed while idle (the server's
    keep-alive timeout); a request that got no answer was not stored either."""
    try:
        status, _, answer = http.request("POST", path, body=json.dumps(body).encode(), headers=JSON)
    except TRANSPORT_ERRORS:
        status, _, answer = http.request("POST", path, body=json.dumps(body).encode(), headers=JSON)
    return status, answer


def burst(http: Http, bodies: list[dict[str, Any]]) -> list[int]:
    ids = []
    for body in bodies:
        status, answer = post(http, "/api/v1/reports/jobs", body)
        if status != 202:
            raise SystemExit(f"POST /api/v1/reports/jobs answered {status}: {answer[:300]!r}")
        ids.append(json.loads(answer)["id"])
    return ids


def wait_done(db: Database, ids: list[int], timeout: float, on_tick: Any = None) -> float:
    """Seconds until every job of ``ids`` is finished (done or failed)."""
    began = time.time()
    while time.time() - began < timeout:
        if on_tick is not None:
            on_tick()
        left = db.one("SELECT count(*) FROM render_jobs WHERE id = ANY(%s) "
                      "AND status NOT IN ('done', 'failed')", ids)
        if left == 0:
            return time.time() - began
        time.sleep(0.2)
    raise SystemExit(f"jobs {ids} not finished after {timeout} s")


def exactly_once(db: Database, ids: list[int], reports_before: int) -> dict[str, Any]:
    """Each job done with its own issued report, no other report issued, procrastinate's jobs
    all succeeded."""
    rows = db.all("SELECT status, issued_report_id, attempts FROM render_jobs "
                  "WHERE id = ANY(%s)", ids)
    reports = [r[1] for r in rows if r[1] is not None]
    issued = db.one("SELECT count(*) FROM issued_reports WHERE id > %s", reports_before)
    queue = dict(db.all("SELECT status::text, count(*) FROM procrastinate_jobs "
                        "WHERE task_name = 'reports.render' AND (args->>'job_id')::int = ANY(%s) "
                        "GROUP BY status", ids))
    done = sum(1 for r in rows if r[0] == "done")
    result = {"jobs": len(ids), "done": done, "distinct_reports": len(set(reports)),
              "reports_issued": issued, "queue": queue,
              "attempts": sorted({r[2] for r in rows})}
    result["exactly_once"] = (done == len(ids) == len(set(reports)) == issued
                              and queue == {"succeeded": len(ids)})
    return result


def run_burst(http: Http, db: Database, bodies: list[dict[str, Any]], timeout: float,
              on_tick: Any = None) -> tuple[list[int], dict[str, Any]]:
    before = db.one("SELECT coalesce(max(id), 0) FROM issued_reports")
    began = time.time()
    ids = burst(http, bodies)
    seconds = (time.time() - began) + wait_done(db, ids, timeout, on_tick)
    result = {"seconds": round(seconds, 1), "jobs_per_min": round(len(ids) * 60 / seconds, 1),
              **exactly_once(db, ids, before)}
    return ids, result


class Killer:
    """Kills ``victim`` once one of its jobs is rendering (progress 10 or more), then follows
    that job: taken again (attempts 2), by which worker, done."""

    def __init__(self, db: Database, victim: Worker, others: list[Worker]) -> None:
        self.db, self.victim, self.others = db, victim, others
        self.began = time.time()
        self.story: dict[str, Any] = {}

    def tick(self) -> None:
        if "killed_at_s" not in self.story:
            self._maybe_kill()
        elif "done_at_s" not in self.story:
            self._follow()

    def _at(self) -> float:
        return round(time.time() - self.began, 1)

    def _maybe_kill(self) -> None:
        rows = self.db.all(
            "SELECT r.id, r.progress, r.stage FROM procrastinate_jobs j JOIN render_jobs r "
            "ON r.id = (j.args->>'job_id')::int WHERE j.status = 'doing' AND j.worker_id = %s "
            "AND r.status = 'running' AND r.progress >= 10", self.victim.id)
        if rows:
            self.victim.kill()
            job, progress, stage = rows[0]
            self.story.update(job=job, killed_at_s=self._at(), progress_when_killed=progress,
                              stage_when_killed=stage, worker_killed=self.victim.name)

    def _follow(self) -> None:
        status, attempts = self.db.all("SELECT status, attempts FROM render_jobs WHERE id = %s",
                                       self.story["job"])[0]
        if attempts >= 2 and "taken_again_at_s" not in self.story:
            worker = self.db.one("SELECT worker_id FROM procrastinate_jobs WHERE task_name = "
                                 "'reports.render' AND (args->>'job_id')::int = %s",
                                 self.story["job"])
            names = {w.id: w.name for w in self.others}
            self.story.update(taken_again_at_s=self._at(), taken_again_by=names.get(worker))
        if status in ("done", "failed"):
            self.story.update(done_at_s=self._at(), final_status=status, attempts=attempts)


def job_rounds(env: dict[str, str], db: Database, http: Http, jobs: int
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    bodies = report_requests(http, jobs)
    results: dict[str, Any] = {}
    for count in (1, 2):
        with workers(env, db, count):
            _, results[str(count)] = run_burst(http, db, bodies, timeout=1800)
        r = results[str(count)]
        print(f"jobs   {count} worker(s): {jobs} reports in {r['seconds']} s = "
              f"{r['jobs_per_min']} jobs/min; done {r['done']}, reports issued "
              f"{r['reports_issued']}, exactly once: {r['exactly_once']}", flush=True)
    with workers(env, db, 2) as pair:
        killer = Killer(db, pair[1], pair[:1])
        _, killed = run_burst(http, db, bodies, timeout=1800, on_tick=killer.tick)
        killer.tick()
    killed["story"] = killer.story
    return results, killed


def tell_kill(killed: dict[str, Any]) -> None:
    s = killed["story"]
    if "job" not in s:
        print("kill   no job was seen rendering on the second worker: nothing was killed")
        return
    print(f"kill   worker {s['worker_killed']} got SIGKILL at {s['killed_at_s']} s while "
          f"rendering job {s['job']} ({s['progress_when_killed']} %, {s['stage_when_killed']}); "
          f"taken again at {s.get('taken_again_at_s')} s by {s.get('taken_again_by')}, "
          f"{s.get('final_status')} at {s.get('done_at_s')} s after {s.get('attempts')} attempts")
    print(f"kill   the burst: {killed['done']}/{killed['jobs']} done in {killed['seconds']} s, "
          f"reports issued {killed['reports_issued']}, procrastinate {killed['queue']}, "
          f"exactly once: {killed['exactly_once']}")


# -- the run ---------------------------------------------------------------------------------


def request_rounds(env: dict[str, str], tokens: list[dict[str, str]], seconds: float,
                   rounds: int) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {"1": [], "2": []}
    for round_ in range(1, rounds + 1):
        for processes in ("1", "2"):
            with servers(f"workers={processes}", env, access_log=True) as ([base], pids):
                cpu = cpu_seconds(pids)
                result = drive(base, tokens, seconds)
                # Unlike req/s, the servers' CPU time per request hardly depends on neighbours.
                result["server_cpu_ms_per_request"] = round(
                    1000 * (cpu_seconds(pids) - cpu) / max(result["requests"], 1), 2)
            runs[processes].append(result)
            kinds = ", ".join(f"{k} p50 {v['p50_ms']} p99 {v['p99_ms']} ms"
                              for k, v in result["by_kind"].items())
            print(f"round {round_}  {processes} API process(es), {len(tokens)} clients: "
                  f"{result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
                  f"{result['errors']} errors {result['error_statuses']}, server CPU "
                  f"{result['server_cpu_ms_per_request']} ms/request ({kinds})", flush=True)
    return runs


def best(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the most requests: on a shared machine the others lost to neighbours."""
    return max(results, key=lambda r: r["rps"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=20, help="0: the requests only")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    args = parser.parse_args()
    from app.core.scratch import create_postgres_database, drop_postgres_database

    url = create_postgres_database(args.postgres_url, "sopimus_scale")
    env = {**os.environ, "SOPIMUS_DATABASE_URL": url, "SOPIMUS_RATE_LIMIT_STORAGE": args.redis_url,
           "SOPIMUS_ENVIRONMENT": "test", "SOPIMUS_ARGON2_MEMORY_KIB": "1024",
           "SOPIMUS_ARGON2_TIME_COST": "1", "SOPIMUS_LOG_FORMAT": "json"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    try:
        prepare_database(ROOT, url, env)
        with servers("workers=1", env) as ([base], _):
            users = (USERS * (args.clients // len(USERS) + 1))[:args.clients]
            tokens = [log_in(base, user) for user in users]
            purchaser = Http(base, log_in(base, PURCHASER))
        runs = request_rounds(env, tokens, args.seconds, args.rounds)
        jobs: dict[str, Any] = {}
        killed: dict[str, Any] = {}
        if args.jobs:
            db = Database(url)
            with servers("workers=1", env) as ([base], _):
                jobs, killed = job_rounds(env, db, Http(base, purchaser.headers), args.jobs)
            db.conn.close()
    finally:
        drop_postgres_database(url)
    report(args, runs, jobs, killed)


def report(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]],
           jobs: dict[str, Any], killed: dict[str, Any]) -> None:
    one, two = best(runs["1"]), best(runs["2"])
    ratio_api = round(two["rps"] / one["rps"], 2)
    ratio_workers = round(jobs["2"]["jobs_per_min"] / jobs["1"]["jobs_per_min"], 2) \
        if jobs else None
    print(f"ratio  2 API processes / 1: {ratio_api} (req/s); 2 workers / 1: {ratio_workers} "
          f"(jobs/min)")
    if killed:
        tell_kill(killed)
    detail_p99 = {n: best(runs[n])["by_kind"].get("detail", {}).get("p99_ms") for n in runs}
    aims = {"detail_p99_under_50ms": {n: p is not None and p < 50 for n, p in detail_p99.items()},
            "every_burst_exactly_once": all(r["exactly_once"] for r in (*jobs.values(), killed))
            if jobs else None,
            "killed_job_done": killed["story"].get("final_status") == "done" if killed else None}
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "cpus": os.cpu_count(),
                      "api": runs, "best": {"1": one, "2": two}, "ratio_api_2_to_1": ratio_api,
                      "jobs": jobs, "ratio_workers_2_to_1": ratio_workers, "killed": killed,
                      "aims": aims}))


if __name__ == "__main__":
    main()
