"""The path routes match, and the API served under a root path (a reverse proxy's /sopimus)."""

from fastapi.testclient import TestClient

from app.core.routing import route_path
from app.main import app


def test_the_route_path_is_the_path_below_the_root_path() -> None:
    assert route_path({"path": "/sopimus/api/v1/boards", "root_path": "/sopimus"}) \
        == "/api/v1/boards"
    assert route_path({"path": "/sopimus", "root_path": "/sopimus"}) == ""
    assert route_path({"path": "/sopimusx/api/v1", "root_path": "/sopimus"}) == "/sopimusx/api/v1"
    assert route_path({"path": "/api/v1/boards", "root_path": ""}) == "/api/v1/boards"


def test_the_api_answers_its_problems_under_a_root_path() -> None:
    client = TestClient(app, root_path="/sopimus", follow_redirects=False)
    # found by its router, and answered as the API's problem, not the login page's redirect
    assert client.get("/sopimus/api/v1/auth/me").status_code == 401
