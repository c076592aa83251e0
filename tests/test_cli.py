"""The sopimus command on a fresh SQLite database, as ./scripts/run uses it."""

import csv
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

SOPIMUS = Path(sys.executable).parent / "sopimus"
PASSWORD = "correct horse battery staple"


def run(args: list[str], db: Path, **kwargs: str) -> subprocess.CompletedProcess[str]:
    # English unless a test asks (the operator's locale, LANGUAGE first, picks the language).
    env = {**os.environ, "SOPIMUS_DATABASE_URL": f"sqlite:///{db}", "LANGUAGE": "en", **kwargs}
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
    finnish = run(["demo", "--if-empty"], db, LANGUAGE="", LC_ALL="", LANG="fi_FI.UTF-8")
    assert finnish.stdout == "Tietokannassa on jo tietoja; esittelyaineistoa ei ladattu.\n"
    swedish = run(["export", "--municipality", "999", "--board", "LANULA", "--year", "2015"], db,
                  LANGUAGE="sv_FI")
    assert swedish.returncode == 1 and swedish.stderr.startswith("Fel: ")
    twice = run(["demo"], db)
    assert "already loaded; nothing changed" in twice.stdout

    export = run(["export", "--municipality", "109", "--board", "LANULA", "--year", "2015"], db)
    assert export.returncode == 0, export.stderr
    assert "Tulevaisuuden kehitysyhteisöt" in export.stdout

    missing = run(["export", "--municipality", "109", "--board", "EIOLE", "--year", "2015"], db)
    assert missing.returncode == 1 and "No board EIOLE" in missing.stderr

    member = ["--role", "board_member", "--municipality", "109", "--password", PASSWORD]
    created = run(["user", "create", "lautakunta-uusi", *member, "--board", "LANULA"], db)
    assert created.stdout == "Created user lautakunta-uusi (board_member)\n", created.stderr
    unknown = run(["user", "create", "lautakunta-toinen", *member, "--board", "EIOLE"], db)
    assert unknown.returncode == 2 and "no board with code EIOLE in 109" in unknown.stderr

    # A provider organisation's reporter, by its Y-tunnus (Akaa's Sääksjärven Nuorisokoti Oy):
    # no municipality of his own; with one he is refused.
    reporter = ["--role", "provider_reporter", "--password", PASSWORD]
    organisation = run(["user", "create", "nuorisokoti", *reporter, "--organisation",
                        "25631482"], db)
    assert organisation.stdout == "Created user nuorisokoti (provider_reporter)\n", \
        organisation.stderr
    both = run(["user", "create", "nuorisokoti-2", *reporter, "--organisation", "2563148-2",
                "--municipality", "020"], db)
    assert both.returncode == 1 and "no municipality" in both.stderr
    nowhere = run(["user", "create", "nuorisokoti-3", *reporter, "--organisation",
                   "2283136-5"], db)
    assert nowhere.returncode == 2 and "2283136-5" in nowhere.stderr


def test_the_help_is_in_the_operators_language(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    swedish = run(["--help"], db, LANGUAGE="sv_FI", COLUMNS="200")
    assert swedish.returncode == 0 and "Databasen." in swedish.stdout
    assert "avtalsstyrning enligt beställar–utförarmodellen." in swedish.stdout
    finnish = run(["diff", "--help"], db, LANGUAGE="fi", COLUMNS="200")
    assert "Versio, josta verrataan, esim. 1" in finnish.stdout
    english = run(["user", "create", "--help"], db, COLUMNS="200")
    assert "Purchaser unit code (purchaser managers)" in english.stdout


def test_diff_and_audit_verify_on_a_database_file(tmp_path: Path) -> None:
    from decimal import Decimal

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
    from app.auth.models import Role, User
    from app.budgets.models import OrderBudget, OrderBudgetLine
    from app.catalogue.models import Product
    from app.core import writes
    from app.core.db import make_engine
    from app.goals.models import Goal
    from app.indicators.models import Measure
    from app.lifecycle import transitions, versioning
    from tests.agreements.flow import DECISION, HAMEENLINNA

    db = tmp_path / "lifecycle.db"
    assert run(["db", "upgrade"], db).returncode == 0
    assert run(["import", str(HAMEENLINNA)], db).returncode == 0
    engine = make_engine(f"sqlite:///{db}")
    director = User(username="johtaja", full_name="Johtaja", role=Role.admin)

    def approve(session: Session, obj: object) -> None:
        transitions.transition(session, director, obj, {"to": "negotiation"})  # type: ignore[arg-type]
        transitions.transition(session, director, obj, {"to": "approved", **DECISION})  # type: ignore[arg-type]

    with Session(engine, expire_on_commit=False) as s:
        agreement = s.scalars(select(ServiceAgreement)).one()
        budget = s.get_one(OrderBudget, agreement.order_budget_id)
        approve(s, budget)
        approve(s, agreement)
        framework = s.get_one(FrameworkAgreement, agreement.framework_agreement_id)
        approve(s, framework)
        framework2 = versioning.amend(s, director, framework)
        long_term = s.scalars(select(LongTermGoal).join(Perspective).where(
            Perspective.framework_agreement_id == framework2.id).order_by(LongTermGoal.id)).first()
        writes.update(s, director, long_term, {"evaluation": "Kouluterveyskysely 2017"})
        approve(s, framework2)
        budget2 = versioning.amend(s, director, budget)
        line = s.scalars(select(OrderBudgetLine).join(Product).where(
            OrderBudgetLine.order_budget_id == budget2.id, Product.code == "PK-ALLE3")
            .order_by(OrderBudgetLine.id)).first()
        writes.update(s, director, line, {"unit_price": Decimal("80.50")})
        approve(s, budget2)
        agreement2 = versioning.amend(s, director, agreement)
        measure = s.scalars(select(Measure).join(Goal).where(
            Goal.service_agreement_id == agreement2.id, Measure.code == "HARRASTUS")).one()
        writes.update(s, director, measure, {"targets": [{"year": 2015, "value": Decimal(80)},
                                                       {"year": 2016, "value": Decimal(90)}]})
        approve(s, agreement2)
        s.commit()
    engine.dispose()

    shown = run(["diff", "--municipality", "109", "--agreement", "HML-LANULA-2015-OMA",
                 "--from", "1", "--to", "2"], db)
    assert shown.returncode == 0, shown.stderr
    assert "~ 3/HARRASTUS" in shown.stdout and "target 2015: 75 → 80" in shown.stdout
    assert "unit price 78.00 → 80.50 (+57 500.00 €)" in shown.stdout
    assert shown.stdout.endswith("Budget effect: +57 500.00 €\n")
    finnish = run(["diff", "--municipality", "109", "--agreement", "HML-LANULA-2015-OMA",
                   "--from", "1", "--to", "2"], db, LANGUAGE="fi")
    assert "tavoitetaso 2015: 75 → 80" in finnish.stdout
    assert "yksikköhinta 78.00 → 80.50 (+57 500.00 €)" in finnish.stdout
    assert finnish.stdout.endswith("Budjettivaikutus: +57 500.00 €\n")
    budget_diff = run(["diff", "--municipality", "109", "--budget", "LANULA", "--year", "2015",
                       "--from", "1", "--to", "2"], db)
    assert budget_diff.returncode == 0 and "Budget effect: +57 500.00 €" in budget_diff.stdout
    framework = run(["diff", "--municipality", "109", "--framework", "LANULA", "--year", "2015",
                     "--from", "1", "--to", "2"], db)
    assert framework.returncode == 0, framework.stderr
    assert "Framework agreement LANULA 2013–2016 version 1 (superseded) → version 2 (approved)" \
        in framework.stdout and "~ " in framework.stdout and "evaluation: " in framework.stdout
    missing = run(["diff", "--municipality", "109", "--agreement", "HML-LANULA-2015-OMA",
                   "--from", "1", "--to", "3"], db)
    assert missing.returncode == 1 and "has no version 3 (versions: 1, 2)" in missing.stderr

    _export_import_round_trip(tmp_path, db)

    intact = run(["audit", "verify"], db)
    assert intact.returncode == 0 and "intact" in intact.stdout
    with sqlite3.connect(db) as conn:  # someone rewrites who approved the agreement
        entry, chain = conn.execute("SELECT id, chain FROM audit_entries WHERE action = "
                                    "'transition' ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE audit_entries SET user = 'joku muu' WHERE id = ?", (entry,))
    broken = run(["audit", "verify"], db)
    assert broken.returncode == 1
    assert f"broken in chain {chain} at entry {entry}: its content does not match its hash" in broken.stderr


def test_an_import_into_a_database_never_migrated_says_what_to_run(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    imported = run(["import", str(next(Path("contracts").glob("109-*.yaml")))], db)
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert "sopimus db upgrade" in imported.stderr


def test_the_worker_is_for_postgresql(tmp_path: Path) -> None:
    """With SQLite the server runs its jobs itself: a worker says so and stops."""
    worker = run(["worker"], tmp_path / "none.db")
    assert worker.returncode == 1 and "needs PostgreSQL" in worker.stderr


def _export_import_round_trip(tmp_path: Path, db: Path) -> None:
    """The amended agreement set as a file: into a fresh database and back the same; again into
    its own database a no-op; changed, the next version drafted with its diff printed."""
    import yaml

    exported = tmp_path / "109-LANULA-2015.yaml"
    args = ["export", "--municipality", "109", "--board", "LANULA", "--year", "2015"]
    assert run([*args, "-o", str(exported)], db).returncode == 0
    fresh = tmp_path / "fresh.db"
    assert run(["db", "upgrade"], fresh).returncode == 0
    assert run(["import", str(exported)], fresh).returncode == 0
    assert run(args, fresh).stdout == exported.read_text(encoding="utf-8")
    again = run(["import", str(exported)], db)
    assert again.returncode == 0 and "no changes" in again.stdout, again.stderr
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    budget = data["order_budget"]
    del budget["status"], budget["approval"]
    budget["lines"][0]["volume"] += 100
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    drafted = run(["import", str(changed)], db)
    assert drafted.returncode == 0, drafted.stderr
    assert "order budget 2015: version 3 drafted" in drafted.stdout
    assert "version 2 (approved) → version 3 (draft)" in drafted.stdout
    assert "Budget effect: +" in drafted.stdout


def test_user_email_and_remind(tmp_path: Path) -> None:
    db = tmp_path / "remind.db"
    assert run(["db", "upgrade"], db).returncode == 0
    assert run(["user", "create", "paakayttaja", "--role", "admin"], db,
               SOPIMUS_NEW_PASSWORD="Kuusi-Hirvea-Sammakkoa-42").returncode == 0
    bad = run(["user", "email", "paakayttaja", "ei osoite"], db)
    assert bad.returncode == 2
    done = run(["user", "email", "paakayttaja", "paa@example.fi", "--language", "sv"], db)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT email, language FROM users").fetchone() == \
            ("paa@example.fi", "sv")
    remind = run(["remind", "--date", "2015-04-10"], db)  # no reporters: nothing to send
    assert remind.returncode == 0, remind.stderr
    assert "Reminders of 2015-04-10: 0 sent" in remind.stdout
