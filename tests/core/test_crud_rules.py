"""A feature's rules are registered when the feature is imported, not when a router is built."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Only the feature's service, the access policy and crud: no app.main, no app.models, no router.
SCRIPT = textwrap.dedent("""
    import sys

    import app.auth.policy  # the access policy crud runs under
    import app.organisations.service  # the feature: registers its rules
    from sqlalchemy.orm import Session

    from app.auth.models import Role, User
    from app.core import writes
    from app.core.db import Base, make_engine
    from app.core.errors import InvalidInput
    from app.organisations.models import Municipality, Provider, Region

    loaded = {"app.main", "app.models", "app.organisations.router"} & set(sys.modules)
    assert not loaded, loaded
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[m.__table__ for m in (Municipality, Region, Provider)])
    root = User(username="root", full_name="Root", role=Role.admin)
    with Session(engine) as session:
        town = writes.create(session, root, Municipality, {"code": "109", "name_fi": "Hämeenlinna"})
        try:
            writes.create(session, root, Provider, {
                "municipality_id": town.id, "code": "OWN", "name": "Own unit",
                "kind": "own_production_unit", "business_id": "0204819-8"})
        except InvalidInput as exc:
            print("refused:", exc.field)
        else:
            print("stored")
""")


def test_crud_create_applies_the_features_rules_without_app_main() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused: business_id"
