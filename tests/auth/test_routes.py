"""Every route declares who may call it (app.auth.policy), and the public reaches only reads
and the routes listed here."""

from app.auth.policy import declaration_of
from tests.auth.routes import api_routes

# Writes that answer the public (no one logged in), and why.
PUBLIC_WRITES = {
    ("POST", "/api/v1/auth/token"): "logging in",
    ("POST", "/login"): "logging in (CSRF-protected form)",
    ("POST", "/logout"): "logging out (CSRF-protected form)",
}


def test_every_route_declares_who_may_call_it() -> None:
    undeclared = [f"{m} {p}" for m, p, dependant in api_routes()
                  if declaration_of(dependant) is None]
    assert undeclared == [], f"routes without one declaration of their callers: {undeclared}"


def test_the_public_writes_only_to_log_in_and_out() -> None:
    writes = sorted((m, p) for m, p, dependant in api_routes()
                    if m != "GET" and (d := declaration_of(dependant)) is not None and d.public)
    assert writes == sorted(PUBLIC_WRITES)
