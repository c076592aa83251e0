"""A process killed in the middle of a bulk import leaves nothing or everything, never a part."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.migrate import upgrade
from app.indicators.models import IndicatorValue
from app.submissions import bulk
from tests.conftest import DATABASES, empty_database
from tests.submissions.helpers import add_measure, csv_bytes, submission_world

ROOT = Path(__file__).resolve().parents[2]
MEASURES = 250  # × 12 months = 3 000 rows, three executemany chunks


def _run(url: str, path: Path, username: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(Path(__file__).with_name("crash_child.py")), url, str(path),
         username, *extra],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300, check=False)


@pytest.mark.parametrize("kind", DATABASES)
def test_a_killed_bulk_import_leaves_nothing_or_everything(kind: str, tmp_path: Path) -> None:
    engine, drop = empty_database(kind, tmp_path)
    try:
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            w = submission_world(db)
            for i in range(MEASURES):
                add_measure(db, w, f"B{i:03d}", frequency="month")
            db.commit()
        rows = [["measure_code", "period", "value"]] + [
            [f"B{i:03d}", f"2015-{month:02d}", str(100 + month)]
            for i in range(MEASURES) for month in range(1, 13)]
        assert len(rows) - 1 > 2 * bulk.CHUNK
        path = tmp_path / "toteumat.csv"
        path.write_bytes(csv_bytes(rows))
        url = engine.url.render_as_string(hide_password=False)
        username = w["reporter"].username

        def stored() -> int:
            with engine.connect() as connection:
                return connection.scalar(select(func.count()).select_from(IndicatorValue)) or 0

        killed = _run(url, path, username, "kill")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        # The first chunk was written inside the transaction when the process died …
        assert int((tmp_path / "toteumat.csv.seen").read_text()) == bulk.CHUNK
        engine.dispose()
        assert stored() == 0  # … and none of it is in the database.

        whole = _run(url, path, username)
        assert whole.returncode == 0, whole.stderr
        assert whole.stdout.strip() == f"stored {MEASURES * 12}"
        assert stored() == MEASURES * 12
    finally:
        drop()
