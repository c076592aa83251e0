"""What the follow-up report and the agreement document show, from the demo data."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import transitions
from app.auth.models import Role
from app.core.errors import InvalidInput, NotFound
from app.goals.models import Goal
from app.indicators.models import Measure
from app.organisations.models import Provider
from app.reports import render, service
from app.reports.agreement_document import agreement_document
from app.reports.follow_up import follow_up
from app.reports.models import ReportKind
from tests.helpers import ROOT, create, create_user, create_world
from tests.reports.helpers import load_hml, pdf_text


def measures(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["code"]: m for s in data["perspectives"] for a in s["agreements"]
            for g in a["goals"] for m in g["measures"]}


# Demo values against the 2015 targets: T1 is Jan–Apr, T2 Jan–Aug, 2015 the whole year.
EXPECTED = {
    "2015-T1": {"KORJAAVAT-KUSTANNUKSET": "on_track", "HARRASTUS": "off_track",
                "TUNTILASKUTUS": "off_track", "PALVELUSETELI": "off_track"},
    "2015-T2": {"KORJAAVAT-KUSTANNUKSET": "on_track", "HARRASTUS": "at_risk",  # 70 vs 75 ± 5
                "TUNTILASKUTUS": "at_risk", "PALVELUSETELI": "off_track"},  # 104 vs 120 ± 15
    "2015": {"KORJAAVAT-KUSTANNUKSET": "on_track", "HARRASTUS": "on_track",
             "TUNTILASKUTUS": "on_track", "PALVELUSETELI": "on_track"},
}


@pytest.mark.parametrize("period", sorted(EXPECTED))
def test_statuses_of_the_demo_measures(db: Session, period: str) -> None:
    demo = load_hml(db)
    data = follow_up(db, ROOT, demo.board.id, period, "fi")
    assert {code: m["status"] for code, m in measures(data).items()} == EXPECTED[period]
    counts = {s["status"]: s["count"] for s in data["summary"]["statuses"]}
    assert sum(counts.values()) == data["summary"]["measures"] == 4


def test_follow_up_structure_changes_and_values(db: Session) -> None:
    demo = load_hml(db)
    data = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")
    assert [s["name"] for s in data["perspectives"]] == [
        "Syrjäytymisen ehkäisy ja osallisuuden lisääminen", "Tuottavuus"]
    m = measures(data)["HARRASTUS"]
    assert (m["value"], m["target"], m["until"].isoformat()) == (
        Decimal("70"), Decimal("75"), "2015-08-31")
    assert [v["period"] for v in m["reported_values"]] == ["2015-T1", "2015-T2"]
    assert m["reported_values"][1]["comment"] == "Kesän leiritoiminta mukana."
    assert m["baseline"] == {"year": 2014, "value": Decimal("62")}
    assert [(p["year"], p["target"]) for p in m["trend"]] == [
        (2013, None), (2014, None), (2015, Decimal(75)), (2016, Decimal(90))]
    assert data["previous_period"]["code"] == "2015-T1"
    changed = {(c["code"], c["before"], c["now"]) for c in data["summary"]["changes"]}
    assert changed == {("HARRASTUS", "off_track", "at_risk"),
                       ("TUNTILASKUTUS", "off_track", "at_risk")}
    assert data["summary"]["new_values"] == 4
    assert data["no_value"] == []


def test_measures_without_a_value_are_listed_with_their_provider(db: Session) -> None:
    demo = load_hml(db)
    goal = db.scalars(select(Goal).where(Goal.service_agreement_id == demo.agreement.id,
                                         Goal.code == "1")).one()
    provider = db.scalars(select(Provider).where(Provider.code == "HML-ALUE3")).one()
    create(db, Measure, goal_id=goal.id, provider_id=provider.id, code="UUSI", name="Uusi mittari",
           unit="%", direction="higher_is_better", frequency="tertial", rollup="last",
           targets=[{"year": 2015, "value": 10}])
    data = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")
    assert measures(data)["UUSI"]["status"] == "no_value"
    [group] = data["no_value"]
    assert group["provider"]["code"] == "HML-ALUE3"
    assert [(x["code"], x["goal"]) for x in group["measures"]] == [("UUSI", "1")]


def test_budget_realisation_and_forecast(db: Session) -> None:
    demo = load_hml(db)
    budget = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")["budget"]
    lines = {(p["provider"]["code"], ln["product"]["code"]): ln
             for p in budget["providers"] for ln in p["lines"]}
    assert len(lines) == budget["lines"] == 48 and budget["lines_reported"] == 2
    day_care = lines[("HML-ALUE1", "PK-ALLE3")]
    assert (day_care["ordered_euros"], day_care["delivered_euros"], day_care["forecast_euros"],
            day_care["deviation_euros"], day_care["deviation_pct"]) == (
        Decimal("1794000"), Decimal("1232400"), Decimal("1848600.00"), Decimal("54600.00"),
        Decimal("3.0"))
    psychiatry = lines[("KHSHP", "LN-PSYKIATRIA")]
    assert (psychiatry["delivered_volume"], psychiatry["forecast_euros"],
            psychiatry["deviation_euros"]) == (
        Decimal(3200), Decimal("1272000.00"), Decimal("-106000.00"))
    t = budget["total"]
    assert t["ordered_euros"] == Decimal("89461200")
    assert t["delivered_euros"] == Decimal("2080400")
    assert t["forecast_euros"] == Decimal("89409800.00")
    assert t["deviation_euros"] == Decimal("-51400.00")
    # By the end of T1 only the day care's first tertial counts.
    t1 = follow_up(db, ROOT, demo.board.id, "2015-T1", "fi")["budget"]["total"]
    assert t1["delivered_euros"] == Decimal("608400") + 4 * Decimal("106000")


def test_agreement_document(db: Session) -> None:
    demo = load_hml(db, deliveries=False)
    data = agreement_document(db, ROOT, demo.agreement.id, "sv")
    assert data["board"]["code"] == "LANULA"
    assert data["municipality"]["name"] == "Tavastehus"
    providers = {ln["provider"] for ln in data["lines"]}
    # The own production as a whole orders its units' lines, not the external providers'.
    assert "Kanta-Hämeen sairaanhoitopiirin kuntayhtymä" not in providers
    assert "Vanajaveden Päiväkodit Oy" not in providers
    assert len(data["lines"]) == 48 - 3
    assert data["lines_total"] == sum(ln["total"] for ln in data["lines"])
    assert [g["code"] for g in data["goals"]] == ["1", "2", "3", "4", "5"]
    assert data["goals"][1]["actions"][0]["responsible"] == "LANULA, TETOLA"
    assert [p["code"] for p in data["calendar"]] == ["2015-T1", "2015-T2", "2015"]
    assert set(data["calendar"][0]["measures"]) == {
        "HARRASTUS", "KORJAAVAT-KUSTANNUKSET", "PALVELUSETELI", "TUNTILASKUTUS"}
    assert data["goals"][2]["measures"][0]["targets"] == {2015: Decimal(75), 2016: Decimal(90)}
    assert data["decision"] is None


def test_what_the_caller_may_not_see_is_not_found(db: Session) -> None:
    demo = load_hml(db, deliveries=False)
    other = create_world(db, "837")
    stranger = create_user(db, Role.purchaser_director, other["municipality"])
    with pytest.raises(NotFound):
        follow_up(db, stranger, demo.board.id, "2015-T2", "fi")
    with pytest.raises(NotFound):
        agreement_document(db, stranger, demo.agreement.id, "fi")
    with pytest.raises(InvalidInput) as bad:
        follow_up(db, ROOT, demo.board.id, "2015-T3", "fi")
    assert bad.value.field == "period"
    with pytest.raises(InvalidInput):
        service.build(db, ROOT, service.ReportSpec(ReportKind.agreement))


def test_the_agreement_document_names_the_board_decision(db: Session) -> None:
    demo = load_hml(db, deliveries=False)
    assert demo.budget is not None
    for agreement in (demo.budget, demo.agreement):  # the order budget first
        transitions.transition(db, ROOT, agreement, {"to": "negotiation"})
        transitions.transition(db, ROOT, agreement, {
            "to": "approved", "organization": "LANULA", "event_date": "2014-12-12",
            "article_number": "145", "register_id": "HML/1234/2014"})
    data = agreement_document(db, ROOT, demo.agreement.id, "fi")
    assert data["decision"] == {"body": "LANULA", "date": date(2014, 12, 12),
                                "article_number": "145"}
    pdf = render.render_pdf(render.render_html(data), data).pdf
    assert "12.12.2014" in pdf_text(pdf) and "145" in pdf_text(pdf)
