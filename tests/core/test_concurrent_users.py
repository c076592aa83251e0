"""A municipality's everyday use on the embedded default (SQLite): sixteen logged-in users
reading and two editing at the same time, against a real server process. No request may fail,
and the access log keeps every read. (Speed: scripts/bench_concurrent_users.py.)"""

import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from app.auth.models import AccessLogEntry
from app.core.migrate import ROOT
from scripts.bench_concurrent_users import prepare_database, start_server

READERS = ["109-director", "109-manager", "109-board", "109-admin", "837-director",
           "837-manager", "837-board", "837-admin", "020-director", "020-manager", "020-board",
           "020-admin", "109-hml-alue1", "109-hml-alue2", "837-pshp", "020-saaksjarven-nk"]
WRITERS = ["109-director", "837-director"]
READS = ["/api/v1/auth/me", "/api/v1/service-agreements?limit=20", "/api/v1/goals?limit=20",
         "/api/v1/boards?limit=20", "/api/v1/framework-agreements?limit=20"]
READS_EACH = 25
EDITS_EACH = 10


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], str]]:
    """The demo on a fresh SQLite file, served by uvicorn as the benchmark serves it; its URL,
    process and database."""
    url = f"sqlite:///{tmp_path / 'sopimus.db'}"
    env = {**os.environ, "SOPIMUS_ARGON2_MEMORY_KIB": "1024", "SOPIMUS_ARGON2_TIME_COST": "1"}
    prepare_database(ROOT, url, env)
    proc, base = start_server(ROOT, url, env)
    yield base, proc, url
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _log_in(base: str, username: str) -> dict[str, str]:
    answer = httpx.post(base + "/api/v1/auth/token", timeout=60, data={
        "username": username, "password": f"Demo-{username}-2025!"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_sixteen_readers_and_two_editors_at_once_get_no_server_error(
    server: tuple[str, subprocess.Popen[bytes], str]
) -> None:
    base, proc, url = server
    tokens = {u: _log_in(base, u) for u in {*READERS, *WRITERS}}
    reads: Counter[int] = Counter()
    edits: Counter[int] = Counter()
    lock = threading.Lock()

    # A request without an answer raises in its thread: its count is then missing below.
    def read(username: str) -> None:
        with httpx.Client(base_url=base, headers=tokens[username], timeout=120) as http:
            for i in range(READS_EACH):
                code = http.get(READS[i % len(READS)]).status_code
                with lock:
                    reads[code] += 1

    def edit(username: str) -> None:
        with httpx.Client(base_url=base, headers=tokens[username], timeout=120) as http:
            me = http.get("/api/v1/auth/me").json()
            board = http.get("/api/v1/boards", params={
                "municipality_id": me["municipality_id"], "limit": 1}).json()["items"][0]
            path = f"/api/v1/boards/{board['id']}"
            for n in range(EDITS_EACH):
                got = http.get(path)
                edited = http.patch(path, json={"name_sv": f"Nämnd {n}"},
                                    headers={"If-Match": got.headers.get("ETag", "")})
                with lock:
                    reads[got.status_code] += 1
                    edits[edited.status_code] += 1

    threads = [threading.Thread(target=read, args=(u,)) for u in READERS]
    threads += [threading.Thread(target=edit, args=(u,)) for u in WRITERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert reads == Counter({200: len(READERS) * READS_EACH + len(WRITERS) * EDITS_EACH})
    assert edits == Counter({200: len(WRITERS) * EDITS_EACH})

    proc.send_signal(signal.SIGINT)  # a clean shutdown stores what the access log queued
    assert proc.wait(timeout=60) == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        logged = conn.scalar(select(func.count()).select_from(AccessLogEntry)
                             .where(AccessLogEntry.action == "read"))
    engine.dispose()
    # Every read above, and each editor's two look-ups (who am I, which board).
    assert logged == sum(reads.values()) + 2 * len(WRITERS)
