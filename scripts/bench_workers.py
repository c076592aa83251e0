#!/usr/bin/env python3
"""One API process against two: ``sopimus serve --workers 1`` and ``--workers 2`` on PostgreSQL.

Usage::

    .venv/bin/python scripts/bench_workers.py [--clients 1,8] [--seconds 6] [--rounds 3]
                                              [--postgres-url URL] [--redis-url URL]
                                              [--without-references]

It runs from the .venv that ./scripts/run makes (no test extras). It creates a fresh PostgreSQL
database ``sopimus_workers_<random>`` beside ``--postgres-url`` (dropped at the end), migrates
it and loads the demo data, and logs in 16 demo users. Then, for each server below, it starts
it on a free port of 127.0.0.1 (login limits in Redis at ``--redis-url``, as several
processes need), and for each number of ``--clients`` that many client processes, each with
one keep-alive connection and its own user, read as fast as they can for ``--seconds``:
/auth/me, pages of 20 service agreements, goals, boards and framework agreements, and a
service agreement's detail. The servers alternate ``--rounds`` times, so that the noise of a
shared machine shows in each. One client shows the delayed-ACK trap (its requests wait on
each other, not on the CPU); many show what a second process adds.

- ``workers=1``: ``sopimus serve --workers 1``;
- ``workers=2``: ``sopimus serve --workers 2`` (one socket, two processes);
- ``split`` (reference): two ``sopimus serve --workers 1`` on two ports, half the clients each
  — what two processes can give on this machine;
- ``uvicorn --workers 2`` (reference): uvicorn's own supervisor, whose socket never gets
  TCP_NODELAY (each keep-alive answer waits for the delayed ACK).

``--without-references`` leaves the two references out. Output: req/s per server, clients and
round, errors (non-2xx or no answer) and the servers' CPU time per request (from /proc: it
hardly depends on the neighbours), each server's ratio to one worker (median rounds),
then exactly one line of JSON with every figure (``ratio_2_to_1``: two workers over one at the
largest number of clients). The clients share the machine's CPUs with the servers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bench_concurrent_users import (
    READERS,
    READS,
    TRANSPORT_ERRORS,
    Http,
    free_port,
    log_in,
    prepare_database,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SOPIMUS = str(Path(sys.executable).parent / "sopimus")


def server_command(kind: str, port: int, access_log: bool = False) -> list[str]:
    if kind == "uvicorn --workers 2":
        return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "2", "--log-level", "warning"]
    workers = "2" if kind == "workers=2" else "1"
    return [SOPIMUS, "serve", "--port", str(port), "--workers", workers,
            "--access-log" if access_log else "--no-access-log"]


def cpu_seconds(roots: list[int]) -> float:
    """The CPU time (user and system) used by the processes ``roots`` and their children (the
    workers), from /proc: unlike req/s it hardly depends on what else the machine runs."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, total = set(roots), 0
    for _ in range(3):  # the server, its workers, theirs
        for pid, (parent, _) in stats.items():
            if parent in tree:
                tree.add(pid)
    for pid in tree & stats.keys():
        total += stats[pid][1]
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def servers(kind: str, env: dict[str, str], access_log: bool = False
            ) -> Iterator[tuple[list[str], list[int]]]:
    """The base URLs of ``kind``'s server(s), up and ready, and their processes' ids; stopped
    at the end. ``access_log``: a log line per request (scripts/bench_scale.py), to a file."""
    ports = [free_port() for _ in range(2 if kind == "split" else 1)]
    workers = 2 if kind in ("workers=2", "uvicorn --workers 2") else 1
    logs = [tempfile.TemporaryFile() for _ in ports]  # noqa: SIM115 (closed below)
    started = [subprocess.Popen(server_command(kind, port, access_log), cwd=ROOT, env={
        **env, "SOPIMUS_WORKERS": str(workers)}, stdout=subprocess.DEVNULL, stderr=log)
        for port, log in zip(ports, logs, strict=True)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process, log in zip(bases, started, logs, strict=True):
            wait_ready(base, process, log)
        yield bases, [process.pid for process in started]
    finally:
        for process in started:
            process.send_signal(signal.SIGINT)
        for process in started:
            process.wait(timeout=60)
        for log in logs:
            restarts = tail(log).count("died")
            if restarts:
                print(f"  ({kind}: {restarts} worker restarts)")
            log.close()


def tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_ready(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"the server at {base} stopped: {tail(log)[-2000:]}")
        try:
            if Http(base, timeout=1).get("/health/ready")[0] == 200:
                time.sleep(2)  # the second worker of the same socket as well
                return
        except TRANSPORT_ERRORS:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server at {base} did not start: {tail(log)[-2000:]}")


def client(base: str, headers: dict[str, str], paths: list[str], start: float, seconds: float,
           results: Any) -> None:
    """One keep-alive connection reading ``paths`` and the first service agreement its user
    sees in turn from ``start`` for ``seconds``."""
    http = Http(base, headers)
    first = json.loads(http.get("/api/v1/service-agreements?limit=1")[2])["items"]
    paths = [*paths, *(f"/api/v1/service-agreements/{a['id']}" for a in first)]
    for path in paths:  # warm-up: the connection, the worker's caches
        http.get(path)
    while time.time() < start:
        time.sleep(0.001)
    done = errors = 0
    end = start + seconds
    while time.time() < end:
        try:
            status = http.get(paths[done % len(paths)])[0]
        except TRANSPORT_ERRORS:
            status = 0
        done += 1
        errors += not 200 <= status < 300
    results.put((done, errors))


def drive(bases: list[str], tokens: list[dict[str, str]], paths: list[str], clients: int,
          seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = time.time() + 2 + clients * 0.1
    processes = [context.Process(target=client, args=(
        bases[i % len(bases)], tokens[i % len(tokens)], paths, start, seconds, results))
        for i in range(clients)]
    for process in processes:
        process.start()
    counts = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    done, errors = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return {"requests": done, "errors": errors, "req_per_s": round(done / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,8", help="numbers of clients, e.g. 1,8,16")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument("--without-references", action="store_true")
    args = parser.parse_args()
    from app.core.scratch import create_postgres_database, drop_postgres_database

    kinds = ["workers=1", "workers=2"]
    if not args.without_references:
        kinds += ["split", "uvicorn --workers 2"]
    url = create_postgres_database(args.postgres_url, "sopimus_workers")
    env = {**os.environ, "SOPIMUS_DATABASE_URL": url, "SOPIMUS_RATE_LIMIT_STORAGE": args.redis_url,
           "SOPIMUS_ENVIRONMENT": "test", "SOPIMUS_ARGON2_MEMORY_KIB": "1024",
           "SOPIMUS_ARGON2_TIME_COST": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    counts = [int(c) for c in args.clients.split(",")]
    runs: dict[str, list[dict[str, Any]]] = {f"{kind} x{clients}": [] for kind in kinds
                                             for clients in counts}
    try:
        prepare_database(ROOT, url, env)
        with servers("workers=1", env) as ([base], _):
            tokens = [log_in(base, user) for user in READERS]
        for round_ in range(1, args.rounds + 1):
            for kind in kinds:
                with servers(kind, env) as (bases, pids):
                    for clients in counts:
                        cpu = cpu_seconds(pids)
                        result = drive(bases, tokens, READS, clients, args.seconds)
                        result["server_cpu_ms_per_request"] = round(
                            1000 * (cpu_seconds(pids) - cpu) / max(result["requests"], 1), 2)
                        runs[f"{kind} x{clients}"].append(result)
                        print(f"round {round_}  {kind:<22} {clients:>3} clients: "
                              f"{result['req_per_s']:>7.1f} req/s  ({result['requests']} "
                              f"requests, {result['errors']} errors, server CPU "
                              f"{result['server_cpu_ms_per_request']} ms/request)", flush=True)
    finally:
        drop_postgres_database(url)
    # The median round: on a shared machine one round's best or worst is mostly the neighbours'.
    median = {key: statistics.median(r["req_per_s"] for r in results)
              for key, results in runs.items()}
    ratios: dict[str, dict[str, float]] = {}
    for clients in counts:
        one = median[f"workers=1 x{clients}"]
        ratios[str(clients)] = {kind: round(median[f"{kind} x{clients}"] / one, 2)
                                for kind in kinds[1:]}
        print(f"{clients:>3} clients, median of {args.rounds}: workers=1 {one} req/s; over it: "
              + ", ".join(f"{kind} {r}" for kind, r in ratios[str(clients)].items()))
    print(json.dumps({"clients": counts, "seconds": args.seconds, "runs": runs,
                      "median_req_per_s": median, "ratio_to_workers_1": ratios,
                      "ratio_2_to_1": ratios[str(counts[-1])]["workers=2"]}))

if __name__ == "__main__":
    main()
