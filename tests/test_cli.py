"""The sopimus command on a fresh SQLite database, as ./scripts/run uses it."""

import csv
import os
import subprocess
import sys
from pathlib import Path

SOPIMUS = Path(sys.executable).parent / "sopimus"


def run(args: list[str], db: Path, **kwargs: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOPIMUS_DATABASE_URL": f"sqlite:///{db}", **kwargs}
    return subprocess.run([str(SOPIMUS), *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_upgrade_demo_and_export_on_a_fresh_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run(["db", "upgrade"], db).returncode == 0
    users_csv = tmp_path / "users.csv"
    demo = run(["demo", "--users-csv", str(users_csv)], db)
    assert demo.returncode == 0, demo.stderr
    rows = list(csv.DictReader(users_csv.open(encoding="utf-8")))
    assert list(rows[0]) == ["username", "password", "role", "municipality", "provider"]
    roles = {(r["municipality"], r["role"]) for r in rows}
    for code in ("109", "837", "020"):
        for role in ("admin", "purchaser_director", "purchaser_manager", "board_member",
                     "provider_reporter"):
            assert (code, role) in roles
    assert all(r["provider"] for r in rows if r["role"] == "provider_reporter")

    again = run(["demo", "--if-empty"], db)
    assert "already has data" in again.stdout

    export = run(["export", "--municipality", "109", "--board", "LANULA", "--year", "2015"], db)
    assert export.returncode == 0, export.stderr
    assert "Tulevaisuuden kehitysyhteisöt" in export.stdout

    missing = run(["export", "--municipality", "109", "--board", "EIOLE", "--year", "2015"], db)
    assert missing.returncode == 1 and "No board EIOLE" in missing.stderr
