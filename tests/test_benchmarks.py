"""The benchmarks still run: each script, at its smallest size, measures on both databases and
ends with its line of JSON. Their figures are not judged here (the machines are shared and
noisy); a benchmark that no longer runs is what this catches."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, POSTGRES_URL

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
SMALL = {
    "bench_api.py": ["--measures", "100", "--years", "1", "--requests", "3"],
    "bench_submissions.py": ["--rows", "12", "--repeat", "1"],
    "bench_reports.py": ["--agreements", "2", "--measures", "10", "--years", "1"],
    "bench_concurrent_users.py": ["--clients", "2", "--writers", "1", "--requests", "3"],
}
USES_POSTGRES = {"bench_api.py", "bench_submissions.py"}


@pytest.mark.parametrize("script", sorted(SMALL))
def test_the_benchmark_runs_and_ends_with_its_figures_as_json(script: str) -> None:
    args = list(SMALL[script])
    if script in USES_POSTGRES:
        args += ["--postgres-url", POSTGRES_URL] + (["--require-postgres"] if IN_CI else [])
    done = subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if script == "bench_concurrent_users.py":  # SQLite only: the embedded default's limits
        assert [r["clients"] for r in figures["results"]] == [2]
        assert figures["results"][0]["requests"] > 0
        return
    if script == "bench_reports.py":
        assert figures["demo"]["full"]["pages"] > 0 and figures["large"]["full"]["pages"] > 0
        assert set(figures["aims_met"]) == {"seconds", "peak_mib", "pdf_mib"}
        return
    databases = figures["databases"]
    assert "sqlite" in databases and (not IN_CI or "postgresql" in databases), databases
    for results in databases.values():
        assert results and all(r["ratio" if "ratio" in r else "ratio_p99"] > 0
                               for r in results.values())
