"""What the follow-up report and the agreement document show, from the demo data."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.core.errors import InvalidInput, NotFound
from app.goals.models import Goal
from app.indicators.models import Measure
from app.lifecycle import transitions
from app.organisations.models import Provider
from app.reports import render, service
from app.reports.agreement_data import Decision
from app.reports.agreement_document import agreement_document
from app.reports.follow_up import follow_up
from app.reports.follow_up_data import FollowUpReport, MeasureEntry
from app.reports.models import ReportKind
from tests.helpers import ROOT, create, create_user, create_world
from tests.reports.helpers import load_hml, pdf_text


def measures(data: FollowUpReport) -> dict[str, MeasureEntry]:
    return {m.code: m for s in data.perspectives for a in s.agreements
            for g in a.goals for m in g.measures}


# Demo values against the 2015 targets: T1 is Jan–Apr, T2 Jan–Aug, 2015 the whole year.
# KORJAAVAT-KUSTANNUKSET is a cumulative sum (pro-rated: T1 against 4/12 × 15.3 M = 5.1 M);
# the other three are levels on a target path from the baseline (HARRASTUS T1: 62 + 4/12 ×
# (75 − 62) = 66.33).
EXPECTED = {
    "2015-T1": {"KORJAAVAT-KUSTANNUKSET": "on_track",  # 5.08 M vs 5.1 M
                "HARRASTUS": "at_risk",  # 66 vs 66.33 ± 5
                "TUNTILASKUTUS": "on_track",  # 35 vs 30
                "PALVELUSETELI": "on_track"},  # 85 vs 66.67
    "2015-T2": {"KORJAAVAT-KUSTANNUKSET": "at_risk",  # 10.24 M vs 10.2 M ± 0.25 M
                "HARRASTUS": "at_risk",  # 70 vs 70.67 ± 5
                "TUNTILASKUTUS": "on_track",  # 46 vs 40
                "PALVELUSETELI": "on_track"},  # 104 vs 93.33
    "2015": {"KORJAAVAT-KUSTANNUKSET": "on_track", "HARRASTUS": "on_track",
             "TUNTILASKUTUS": "on_track", "PALVELUSETELI": "on_track"},
}


@pytest.mark.parametrize("period", sorted(EXPECTED))
def test_statuses_of_the_demo_measures(db: Session, period: str) -> None:
    demo = load_hml(db)
    data = follow_up(db, ROOT, demo.board.id, period, "fi")
    assert {code: m.status for code, m in measures(data).items()} == EXPECTED[period]
    counts = {s.status: s.count for s in data.summary.statuses}
    assert sum(counts.values()) == data.summary.measures == 4


def test_follow_up_structure_changes_and_values(db: Session) -> None:
    demo = load_hml(db)
    data = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")
    assert [s.name for s in data.perspectives] == [
        "Syrjäytymisen ehkäisy ja osallisuuden lisääminen", "Tuottavuus"]
    m = measures(data)["HARRASTUS"]
    assert (m.value, m.target, m.until) == (Decimal("70"), Decimal("75"), date(2015, 8, 31))
    assert [v.period for v in m.reported_values] == ["2015-T1", "2015-T2"]
    assert m.reported_values[1].comment == "Kesän leiritoiminta mukana."
    assert m.baseline is not None and (m.baseline.year, m.baseline.value) == (2014, Decimal(62))
    # T2 is 8/12 of the way from the 2014 baseline 62 to the target 75.
    assert m.compared_with is not None and m.compared_with.model_dump() == {
        "comparison": "target_path", "value": Decimal(70), "months": 8, "start": Decimal(62),
        "year_target": Decimal(75), "target": Decimal(62) + Decimal(13) * 8 / 12}
    costs = measures(data)["KORJAAVAT-KUSTANNUKSET"].compared_with
    assert costs is not None
    assert (costs.comparison, costs.months, costs.target) == ("pro_rated_sum", 8, Decimal(10200000))
    assert [(p.year, p.target) for p in m.trend] == [
        (2013, None), (2014, None), (2015, Decimal(75)), (2016, Decimal(90))]
    assert data.previous_period.code == "2015-T1"
    changed = {(c.code, c.before, c.now) for c in data.summary.changes}
    assert changed == {("KORJAAVAT-KUSTANNUKSET", "on_track", "at_risk")}
    assert data.summary.new_values == 4
    assert data.no_value == []


def test_measures_without_a_value_are_listed_with_their_provider(db: Session) -> None:
    demo = load_hml(db)
    goal = db.scalars(select(Goal).where(Goal.service_agreement_id == demo.agreement.id,
                                         Goal.code == "1")).one()
    provider = db.scalars(select(Provider).where(Provider.code == "HML-ALUE3")).one()
    create(db, Measure, goal_id=goal.id, provider_id=provider.id, code="UUSI", name="Uusi mittari",
           unit="%", direction="higher_is_better", frequency="tertial", rollup="last",
           targets=[{"year": 2015, "value": 10}])
    data = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi")
    assert measures(data)["UUSI"].status == "no_value"
    [group] = data.no_value
    assert group.provider.code == "HML-ALUE3"
    assert [(x.code, x.goal) for x in group.measures] == [("UUSI", "1")]


def test_budget_realisation_and_forecast(db: Session) -> None:
    demo = load_hml(db)
    budget = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi").budget
    assert budget is not None
    # Only the lines with deliveries are listed; the others are counted once per provider.
    lines = {(p.provider.code, ln.product.code): ln for p in budget.providers for ln in p.lines}
    assert len(lines) == budget.lines_reported == 2
    assert sum(p.unreported for p in budget.providers) == budget.lines - 2 == 46
    day_care = lines[("HML-ALUE1", "PK-ALLE3")]
    assert (day_care.ordered_euros, day_care.delivered_euros, day_care.forecast_euros,
            day_care.deviation_euros, day_care.deviation_pct) == (
        Decimal("1794000"), Decimal("1232400"), Decimal("1848600.00"), Decimal("54600.00"),
        Decimal("3.0"))
    psychiatry = lines[("KHSHP", "LN-PSYKIATRIA")]
    assert (psychiatry.delivered_volume, psychiatry.forecast_euros,
            psychiatry.deviation_euros) == (
        Decimal(3200), Decimal("1272000.00"), Decimal("-106000.00"))
    # The first page names the lines furthest from the order, the furthest first.
    assert [ln.product.code for ln in budget.largest_deviations] == [
        "LN-PSYKIATRIA", "PK-ALLE3"]
    assert budget.elapsed_pct == Decimal("66.7")
    t = budget.total
    assert t.ordered_euros == Decimal("89461200")
    assert t.delivered_euros == Decimal("2080400")
    assert t.forecast_euros == Decimal("89409800.00")
    assert t.deviation_euros == Decimal("-51400.00")
    # By the end of T1 only the day care's first tertial counts.
    t1 = follow_up(db, ROOT, demo.board.id, "2015-T1", "fi").budget
    assert t1 is not None
    assert t1.total.delivered_euros == Decimal("608400") + 4 * Decimal("106000")


def test_agreement_document(db: Session) -> None:
    demo = load_hml(db, deliveries=False)
    data = agreement_document(db, ROOT, demo.agreement.id, "sv")
    assert data.board.code == "LANULA"
    assert data.municipality.name == "Tavastehus"
    providers = {ln.provider for ln in data.lines}
    # The own production as a whole orders its units' lines, not the external providers'.
    assert "Kanta-Hämeen sairaanhoitopiirin kuntayhtymä" not in providers
    assert "Vanajaveden Päiväkodit Oy" not in providers
    assert len(data.lines) == 48 - 3
    assert data.lines_total == sum(ln.total for ln in data.lines)
    assert [g.code for g in data.goals] == ["1", "2", "3", "4", "5"]
    assert data.goals[1].actions[0].responsible == "LANULA, TETOLA"
    assert [p.code for p in data.calendar] == ["2015-T1", "2015-T2", "2015"]
    assert set(data.calendar[0].measures) == {
        "HARRASTUS", "KORJAAVAT-KUSTANNUKSET", "PALVELUSETELI", "TUNTILASKUTUS"}
    assert data.goals[2].measures[0].targets == {2015: Decimal(75), 2016: Decimal(90)}
    assert data.decision is None


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
    assert data.decision == Decision(body="LANULA", date=date(2014, 12, 12),
                                     article_number="145")
    pdf = render.render_pdf(render.render_html(data), data).pdf
    assert "12.12.2014" in pdf_text(pdf) and "145" in pdf_text(pdf)


def test_the_first_page_names_the_measures_off_track_and_at_risk(db: Session) -> None:
    demo = load_hml(db)
    summary = follow_up(db, ROOT, demo.board.id, "2015-T2", "fi").summary
    # The worst first — the furthest from its target in tolerances: the costs' forecast misses
    # by 0.04 M of 0.25 M (0.16), the hobby share by 0.67 of 5 points (0.13) — each with what
    # the board needs to judge it: the value, the target it was compared with (the hobby share
    # on its target path 62 % → 75 %), and the explanation.
    assert [(m.code, m.status) for m in summary.attention] == [
        ("KORJAAVAT-KUSTANNUKSET", "at_risk"), ("HARRASTUS", "at_risk")]
    assert summary.at_risk_not_named == 0
    red = summary.attention[1]
    assert (red.value, red.target, red.tolerance) == (Decimal(70), Decimal(75), Decimal(5))
    assert red.compared_with is not None
    assert red.compared_with.target.quantize(Decimal("0.01")) == Decimal("70.67")
    assert red.provider.name == "Hämeenlinnan kaupungin oma tuotanto, lasten ja nuorten palvelut"
    assert red.explanation is not None
    assert (red.explanation.period, red.explanation.comment) == (
        "2015-T2", "Kesän leiritoiminta mukana.")
    # The demo's values wait for review and its agreement is a draft: the page says so.
    assert red.unreviewed and summary.unreviewed == 8
    assert summary.drafts == [demo.agreement.code]
