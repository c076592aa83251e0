#!/usr/bin/env python3
"""Concurrent logged-in users against a real server on an SQLite file (the default database).

Usage::

    .venv/bin/python scripts/bench_concurrent_users.py [--clients 2,8,16] [--writers 2]
                                                       [--requests 60] [--app-dir DIR]

It migrates a temporary SQLite file, loads the demo data, starts ``python -m uvicorn
app.main:app`` on a free port of 127.0.0.1 (from ``--app-dir``, default this checkout: point
it at an exported older commit to compare) and logs in the demo users. Then, for each number
of ``--clients``, that many reader threads (each its own demo user and keep-alive connection)
make ``--requests`` GET requests each over the agreement lists, goals, boards and /auth/me,
while ``--writers`` purchaser directors rename a board of their municipality (GET for the
ETag, PATCH with If-Match) until the readers are done.

Output: a line per run (requests, 5xx and other errors in %, req/s over the whole run), then
one line of JSON with every figure. Nothing is asserted: tests/core/test_concurrent_users.py
asserts that no request answers 5xx.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
READS = ["/api/v1/auth/me", "/api/v1/service-agreements?limit=20", "/api/v1/goals?limit=20",
         "/api/v1/boards?limit=20", "/api/v1/framework-agreements?limit=20"]
READERS = ["109-director", "109-manager", "109-board", "109-admin", "837-director",
           "837-manager", "837-board", "837-admin", "020-director", "020-manager", "020-board",
           "020-admin", "109-hml-alue1", "109-hml-alue2", "837-pshp", "020-saaksjarven-nk"]
WRITERS = ["109-director", "837-director", "020-director"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_database(app_dir: Path, url: str, env: dict[str, str]) -> None:
    for args in (["db", "upgrade"], ["demo", "--if-empty"]):
        subprocess.run([PYTHON, "-m", "app.cli", *args], cwd=app_dir, check=True,
                       env={**env, "SOPIMUS_DATABASE_URL": url}, capture_output=True)


class Http:
    """One keep-alive HTTP/1.1 connection (the standard library's: a benchmark runs from the
    run-time .venv, which has no HTTP client package). A dropped connection is opened again."""

    def __init__(self, base: str, headers: dict[str, str] | None = None, timeout: float = 60
                 ) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port, timeout
        self.headers = headers or {}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); raises OSError or HTTPException when nothing answers."""
        try:
            self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            response = self.conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            raise

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)


TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def start_server(app_dir: Path, url: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes],
                                                                         str]:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=app_dir, env={**env, "SOPIMUS_DATABASE_URL": url})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if Http(base, timeout=1).get("/healthz")[0] == 200:
                return server, base
        except TRANSPORT_ERRORS:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def log_in(base: str, username: str) -> dict[str, str]:
    form = urlencode({"username": username, "password": f"Demo-{username}-2025!"}).encode()
    status, _, body = Http(base, timeout=30).request("POST", "/api/v1/auth/token", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    if status != 200:
        raise SystemExit(f"{username} could not log in: {status} {body[:200]!r}")
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}


def read(base: str, headers: dict[str, str], requests: int, statuses: Counter[int],
         lock: threading.Lock) -> None:
    client = Http(base, headers)
    for i in range(requests):
        try:
            code = client.get(READS[i % len(READS)])[0]
        except TRANSPORT_ERRORS:
            code = 0  # no answer at all
        with lock:
            statuses[code] += 1


def write(base: str, headers: dict[str, str], stop: threading.Event, statuses: Counter[int],
          lock: threading.Lock) -> None:
    client = Http(base, headers)
    me = json.loads(client.get("/api/v1/auth/me")[2])
    boards = json.loads(client.get("/api/v1/boards?" + urlencode(
        {"limit": 1, "municipality_id": me["municipality_id"]}))[2])["items"]
    path = f"/api/v1/boards/{boards[0]['id']}"
    n = 0
    while not stop.is_set():
        n += 1
        codes = []
        try:
            status, got_headers, _ = client.get(path)
            codes.append(status)
            if status == 200:
                codes.append(client.request(
                    "PATCH", path, body=json.dumps({"name_sv": f"Nämnd {n}"}).encode(),
                    headers={"If-Match": got_headers["etag"], "Content-Type": "application/json"}
                )[0])
        except TRANSPORT_ERRORS:
            codes.append(0)
        with lock:
            statuses.update(codes)


def run(base: str, tokens: dict[str, dict[str, str]], clients: int, writers: int,
        requests: int) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    readers = [threading.Thread(target=read, args=(base, tokens[READERS[i % len(READERS)]],
                                                   requests, statuses, lock))
               for i in range(clients)]
    writing = [threading.Thread(target=write, args=(base, tokens[WRITERS[i % len(WRITERS)]],
                                                    stop, statuses, lock))
               for i in range(writers)]
    started = time.perf_counter()
    for t in (*writing, *readers):
        t.start()
    for t in readers:
        t.join()
    stop.set()
    for t in writing:
        t.join()
    seconds = time.perf_counter() - started
    total = sum(statuses.values())
    server_errors = sum(n for code, n in statuses.items() if code >= 500 or code == 0)
    other_errors = sum(n for code, n in statuses.items() if 400 <= code < 500)
    return {"clients": clients, "writers": writers, "requests": total,
            "server_errors_pct": round(100 * server_errors / total, 1),
            "client_errors_pct": round(100 * other_errors / total, 1),
            "req_per_s": round(total / seconds, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="2,8,16")
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=60, help="GET requests per reader")
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    args = parser.parse_args()
    env = {**os.environ, "SOPIMUS_ENVIRONMENT": "test", "SOPIMUS_ARGON2_MEMORY_KIB": "1024",
           "SOPIMUS_ARGON2_TIME_COST": "1"}
    with tempfile.TemporaryDirectory(prefix="sopimus_users_") as tmp:
        url = f"sqlite:///{tmp}/sopimus.db"
        app_dir = args.app_dir.resolve()
        prepare_database(app_dir, url, env)
        server, base = start_server(app_dir, url, env)
        try:
            tokens = {u: log_in(base, u) for u in {*READERS, *WRITERS}}
            results = []
            for clients in (int(c) for c in args.clients.split(",")):
                result = run(base, tokens, clients, args.writers, args.requests)
                results.append(result)
                print(f"{clients:>3} readers + {args.writers} writers: {result['requests']:>5} "
                      f"requests, 5xx {result['server_errors_pct']:>5.1f} %, 4xx "
                      f"{result['client_errors_pct']:>5.1f} %, {result['req_per_s']:>6.1f} req/s"
                      f"  {result['statuses']}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(json.dumps({"app_dir": str(args.app_dir), "results": results}))


if __name__ == "__main__":
    main()
