"""No request, however malformed, answers 500: every operation of the OpenAPI document is
called with generated input (schemathesis), authenticated as a purchaser director."""

import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.main import app
from tests.helpers import auth, create_user, create_world

# The document is read from the app itself, not over ASGI: that would start the app, whose
# start-up refuses a missing database, before any test database exists.
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_answers_500(case: schemathesis.Case, db: Session, client: object) -> None:
    if "director" not in db.info:  # once per operation: a small world and a user to act as
        world = create_world(db)
        user = create_user(db, Role.purchaser_director, world["municipality"], username="fuzz")
        db.info["director"] = auth(db, user)
    case.headers = {**(case.headers or {}), **db.info["director"]}
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text[:300]}"
