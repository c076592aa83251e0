#!/usr/bin/env python3
"""Writers of two municipalities at once on PostgreSQL: do they wait for each other?

Usage::

    .venv/bin/python scripts/bench_audit_chain.py [--writers 4] [--seconds 8] [--rows 4]
                                                  [--compare CHECKOUT]

For this checkout (and each ``--compare`` checkout, e.g. ``git archive main | tar -x -C
/tmp/main``), a child process imports the app of that checkout, migrates a scratch PostgreSQL
database (``--postgres-url``'s server, default 127.0.0.1:5432), creates two
municipalities with ``--rows`` boards each and runs ``--writers`` threads per municipality for
``--seconds``. Each thread commits transactions as a request that writes several rows does:
rename each of its municipality's boards, one flush per row (each an audited change, so each
appends to the audit trail). With one chain for the installation every transaction holds the
one chain head from its first flush to its commit, so the two municipalities' writers queue
behind each other; with a chain per municipality only writers of the same municipality do.

Output: a line per checkout (transactions/s, p50 and p95 latency in ms, conflicts) and last
one line of JSON with every figure. Nothing is asserted (tests/audit/test_chains.py asserts
that a write of one municipality does not wait for another).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = os.environ.get("SOPIMUS_TEST_POSTGRES_URL",
                                  "postgresql://postgres@127.0.0.1:5432/test")


def child(args: argparse.Namespace) -> dict[str, Any]:
    """Runs in a process whose ``app`` is the checkout measured."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import app.models  # noqa: F401  (every model, and the audit trail's session events)
    from app.core.migrate import upgrade
    from app.core.scratch import scratch_database
    from app.organisations.models import Board, Municipality

    engine, drop = scratch_database("postgresql", args.postgres_url, "sopimus_bench")
    try:
        upgrade(engine)
        with Session(engine) as s:
            places = [Municipality(code=c, name_fi=f"Kunta {c}", created_by="b", updated_by="b")
                      for c in ("109", "165")]
            s.add_all(places)
            s.flush()
            for m in places:
                s.add_all(Board(municipality_id=m.id, code=f"B{m.code}-{t}-{r}", name_fi="x",
                                created_by="b", updated_by="b")
                          for t in range(args.writers) for r in range(args.rows))
            s.commit()
            ids = [m.id for m in places]
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def writer(municipality_id: int, code: str, n: int) -> None:
            own: list[float] = []
            with Session(engine) as s:
                boards = s.scalars(select(Board.id).where(
                    Board.municipality_id == municipality_id,
                    Board.code.like(f"B{code}-{n}-%"))).all()
                s.commit()
                i = 0
                while time.monotonic() < stop:
                    i += 1
                    started = time.perf_counter()
                    try:
                        for board_id in boards:  # one flush (one audited change) per row
                            board = s.get(Board, board_id)
                            assert board is not None
                            board.name_fi, board.updated_by = f"{n}-{i}", f"w{n}"
                            s.flush()
                        s.commit()
                    except Exception as exc:  # counted, not hidden
                        s.rollback()
                        with lock:
                            errors.append(type(exc).__name__)
                        continue
                    own.append(time.perf_counter() - started)
            with lock:
                latencies.extend(own)

        threads = [threading.Thread(target=writer, args=(mid, code, n))
                   for mid, code in zip(ids, ("109", "165"), strict=True)
                   for n in range(args.writers)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        latencies.sort()
        return {
            "transactions": len(latencies),
            "tps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1)
            if latencies else None,
            "errors": len(errors),
        }
    finally:
        engine.dispose()
        drop()


def measure(checkout: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child",
               "--writers", str(args.writers), "--seconds", str(args.seconds),
               "--rows", str(args.rows), "--postgres-url", args.postgres_url]
    path = os.pathsep.join(p for p in (str(checkout), os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path})
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=4, help="writer threads per municipality")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rows", type=int, default=4, help="rows written per transaction")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES,
                        help="a PostgreSQL server's URL (a scratch database is made beside it)")
    parser.add_argument("--require-postgres", action="store_true",
                        help="accepted for tests/test_benchmarks.py; PostgreSQL is always needed")
    parser.add_argument("--compare", action="append", default=[], metavar="CHECKOUT")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(child(args)))
        return
    runs: dict[str, Any] = {}
    for label, checkout in [*((f"compare@{Path(c).name}", Path(c).resolve())
                              for c in args.compare), ("this", ROOT)]:
        runs[label] = figures = measure(checkout, args)
        print(f"{label:<24} {figures['tps']:>8} tx/s  p50 {figures['p50_ms']} ms  "
              f"p95 {figures['p95_ms']} ms  errors {figures['errors']}", flush=True)
    print(json.dumps({"benchmark": "audit_chain", "database": "postgresql",
                      "writers_per_municipality": args.writers, "rows_per_transaction": args.rows,
                      "seconds": args.seconds, "runs": runs}))


if __name__ == "__main__":
    main()
