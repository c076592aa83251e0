"""The benchmarks still run: each script, at its smallest size, measures on both databases and
ends with its line of JSON. Their figures are not judged here (the machines are shared and
noisy); a benchmark that no longer runs, or one that needs the test extras (a user runs it from
the .venv that ./scripts/run makes), is what this catches."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, POSTGRES_URL

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
SMALL = {
    "bench_api.py": ["--measures", "100", "--years", "1", "--requests", "3"],
    "bench_api.py --concurrent": ["--measures", "100", "--years", "1", "--concurrent",
                                  "--clients", "4", "--seconds", "0.3", "--rounds", "1",
                                  "--without-access-log"],
    "bench_submissions.py": ["--rows", "12", "--repeat", "1"],
    "bench_reports.py": ["--agreements", "2", "--measures", "10", "--years", "1"],
    "bench_concurrent_users.py": ["--clients", "2", "--writers", "1", "--requests", "3"],
    "bench_audit_chain.py": ["--writers", "1", "--rows", "1", "--seconds", "0.3"],
}
USES_POSTGRES = {"bench_api.py", "bench_submissions.py", "bench_audit_chain.py"}
# The [test] extra's packages: the run-time .venv has none of them.
TEST_EXTRAS = ["pytest", "httpx", "httpx2", "jsonschema", "schemathesis", "playwright", "pypdf"]
CONCURRENT_ENDPOINTS = {"GET /api/v1/indicator-values/{id}", "GET /api/v1/indicator-values?limit=100",
                        "GET /api/v1/boards (anonymous)"}


def run_benchmark(name: str, tmp_path: Path) -> dict[str, Any]:
    script = name.split()[0]
    args = list(SMALL[name])
    if script in USES_POSTGRES:
        args += ["--postgres-url", POSTGRES_URL] + (["--require-postgres"] if IN_CI else [])
    without_extras = tmp_path / "without_test_extras"
    for package in TEST_EXTRAS:
        (without_extras / package).mkdir(parents=True)
        (without_extras / package / "__init__.py").write_text(
            f"raise ImportError('{package} is a test extra, not in the run-time .venv')\n")
    done = subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True,
                          text=True, timeout=600, check=False,
                          env={**os.environ, "PYTHONPATH": str(without_extras)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_benchmark_runs_without_test_extras_and_ends_with_its_figures_as_json(
    name: str, tmp_path: Path
) -> None:
    figures = run_benchmark(name, tmp_path)
    if name == "bench_concurrent_users.py":  # SQLite only: the embedded default's limits
        assert [r["clients"] for r in figures["results"]] == [2]
        assert figures["results"][0]["requests"] > 0
        return
    if name == "bench_audit_chain.py":  # PostgreSQL only: SQLite has one writer anyway
        assert figures["runs"]["this"]["transactions"] > 0, figures
        return
    if name == "bench_reports.py":
        assert figures["demo"]["full"]["pages"] > 0 and figures["large"]["full"]["pages"] > 0
        assert set(figures["aims_met"]) == {"seconds", "peak_mib", "pdf_mib"}
        return
    databases = figures["databases"]
    assert "sqlite" in databases and (not IN_CI or "postgresql" in databases), databases
    if name == "bench_api.py --concurrent":
        for kind, results in databases.items():
            assert set(results) == CONCURRENT_ENDPOINTS, kind
            for label, r in results.items():
                for server in ("ours", "ours_no_access_log", "bare"):
                    assert r[server]["requests"] > 0 and r[server]["rps"] > 0, (kind, label, r)
                    assert r[server]["p99_ms"] >= r[server]["p50_ms"] > 0, (kind, label, r)
                # The bare app must answer every request: it is the yardstick.
                assert r["bare"]["errors"] == 0, (kind, label, r)
                assert r["ratio"] == round(r["ours"]["rps"] / r["bare"]["rps"], 2), (kind, label)
        return
    if name == "bench_submissions.py":
        for kind, results in databases.items():
            assert set(results) == {"csv", "xlsx", "update"}, kind
            # Each case stored rows and so did its baseline (a failed case reports no rate).
            assert all(r["rows_per_s"] > 0 and r["baseline_rows_per_s"] > 0
                       for r in results.values()), (kind, results)
        return
    for kind, results in databases.items():
        # Every endpoint answered over HTTP (none reported with an error instead of timings).
        assert [label for label, r in results.items() if "error" in r] == [], (kind, results)
        assert all(r["rps"] > 0 and r["p99_ms"] >= r["p50_ms"] > 0 for r in results.values()), kind
