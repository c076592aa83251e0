"""The value form asks before it stores a value far outside what is plausible (more than ten times
the period's target, the baseline or the earlier values)."""

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.indicators.models import MeasureTarget
from app.submissions import rules
from tests.helpers import create
from tests.submissions.helpers import add_measure
from tests.web.test_pages import post_form, reporting_world, values, web_login

QUESTION = ("Arvo 1\xa0000\xa0000 vrk on yli kymmenkertainen tavoitteeseen (30 vrk) nähden. "
            "Tallennetaanko silti?")


def _days(client: TestClient, db: Session, **fields: Any) -> str:
    """A waiting-time measure in days (lower is better, no maximum) and its form's path."""
    client.base_url = "https://testserver"
    w = reporting_world(db)
    measure = add_measure(db, w, "ODOTUS", unit="vrk", direction="lower_is_better", **fields)
    web_login(client, "raportoija")
    return f"/reporting/{measure.id}/2015-T1"


def _with_target(db: Session, path: str) -> None:
    create(db, MeasureTarget, measure_id=int(path.split("/")[2]), year=2015, value=30)


def test_a_value_ten_times_the_target_is_asked_about_and_not_stored(client: TestClient,
                                                                     db: Session) -> None:
    path = _days(client, db)
    _with_target(db, path)
    asked = post_form(client, path, {"value": "1000000", "comment": "Jono"})
    assert asked.status_code == 422 and values(db) == []
    assert QUESTION in asked.text


def test_a_confirmed_implausible_value_is_stored(client: TestClient, db: Session) -> None:
    path = _days(client, db)
    _with_target(db, path)
    stored = post_form(client, path, {"value": "1000000", "comment": "Jono",
                                      "confirmed": "1000000"})
    assert stored.status_code == 303 and values(db)[0].value == Decimal(1_000_000)


def test_a_plausible_value_is_stored_without_a_question(client: TestClient, db: Session) -> None:
    path = _days(client, db)
    _with_target(db, path)
    stored = post_form(client, path, {"value": "38", "comment": "Jono kasvoi"})
    assert stored.status_code == 303 and values(db)[0].value == Decimal(38)


def test_a_value_ten_times_the_baseline_is_asked_about(client: TestClient, db: Session) -> None:
    path = _days(client, db, baseline_value=5, baseline_year=2014)
    asked = post_form(client, path, {"value": "60"})
    assert asked.status_code == 422 and "lähtötasoon (5 vrk)" in asked.text


def test_the_rule_compares_with_the_mean_of_earlier_values() -> None:
    assert rules.implausible(Decimal(101), [("target", None), ("earlier", Decimal(10))]) == (
        "earlier", Decimal(10))


def test_the_rule_lets_ten_times_pass() -> None:
    assert rules.implausible(Decimal(300), [("target", Decimal(30))]) is None
