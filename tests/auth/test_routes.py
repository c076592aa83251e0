"""Every route needs authentication unless it is on the explicit public list."""

from app.auth.deps import get_current_user, get_optional_user, get_pending_user
from app.web.deps import require_web_user
from tests.auth.routes import api_routes

# Routes that answer without login, and why.
PUBLIC = {
    ("POST", "/api/v1/auth/token"): "logging in",
    ("GET", "/healthz"): "load balancer health check",
    ("GET", "/readyz"): "load balancer readiness check (is the database there)",
    # Web pages: each reads the session cookie and applies app.auth.authz itself
    # (tests/web); pages for the logged-in redirect the public to the login page.
    ("GET", "/"): "home page",
    ("GET", "/login"): "login page",
    ("POST", "/login"): "logging in (CSRF-protected form)",
    ("POST", "/logout"): "logging out (CSRF-protected form)",
    ("GET", "/lang/{code}"): "choosing the language",
    ("GET", "/agreements"): "approved agreements are public; more when logged in",
    ("GET", "/agreements/{agreement_id}"): "an approved agreement is public",
    ("GET", "/reports"): "issued reports are public",
    ("GET", "/reports/{report_id}.pdf"): "issued reports are public",
}
# Public read of master data and approved agreements (get_optional_user): reads only.
OPTIONAL_AUTH_PREFIXES = (
    "/api/v1/municipalities", "/api/v1/boards", "/api/v1/purchaser-units", "/api/v1/regions",
    "/api/v1/providers", "/api/v1/service-areas", "/api/v1/product-groups", "/api/v1/products",
    "/api/v1/framework-agreements", "/api/v1/perspectives", "/api/v1/long-term-goals",
    "/api/v1/order-budgets", "/api/v1/order-budget-lines", "/api/v1/service-agreements",
    "/api/v1/goals", "/api/v1/actions", "/api/v1/resources", "/api/v1/measures",
    "/api/v1/reporting-deadlines",
)


def test_every_route_needs_authentication_unless_listed_public() -> None:
    unlisted = []
    for method, path, calls in api_routes():
        # require_web_user: a web page for the logged-in (the public goes to the login page).
        if calls & {get_current_user, get_pending_user, require_web_user}:
            continue
        if (method, path) in PUBLIC:
            continue
        if get_optional_user in calls and method == "GET" and path.startswith(
                OPTIONAL_AUTH_PREFIXES):
            continue
        unlisted.append(f"{method} {path}")
    assert unlisted == [], f"routes answering without login, not on the public list: {unlisted}"


def test_optional_authentication_is_only_on_reads() -> None:
    writes = [f"{m} {p}" for m, p, calls in api_routes()
              if get_optional_user in calls and m != "GET"]
    assert writes == []
