"""Ownership steering's rewards (app.reports.rewards): a measure's reward rule applied to its
year's value and target at the year's end, never typed in; the Lappeenranta–Eksote set
(contracts/405-lappeenranta-eksote-2010.yaml) imports, round-trips and amends with its rules."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import ServiceAgreement, Steering
from app.auth.models import Role
from app.contracts import exporter
from app.contracts.importer import import_text
from app.contracts.loading import ImportFailed, parse
from app.demo import CONTRACTS, SYSTEM
from app.goals.models import Goal
from app.indicators.models import Direction, Measure, MeasureTarget, RewardKind, Rollup
from app.lifecycle import versioning
from app.lifecycle.diff import compare_service_agreements
from app.organisations.models import Board, Municipality
from app.reports import status as st
from app.reports.agreement_document import agreement_document
from app.reports.follow_up import follow_up
from app.reports.render import render_html
from app.reports.rewards import RewardState, measure_reward
from tests.helpers import auth, create_user, create_world, if_match

LAPPEENRANTA = CONTRACTS / "405-lappeenranta-eksote-2010.yaml"
YEAR = 2010
YEAR_END = date(YEAR, 12, 31)
MID_YEAR = date(YEAR, 8, 31)
TARGET = Decimal("4.0")  # asiakastyytyväisyys 1–5
MET = Decimal("4.1")
MISSED = Decimal("3.9")  # within a tolerance, but not the target
BONUS = Decimal("50000")
SURPLUS = Decimal("1240000")  # tilikauden ylijäämä, target 0 €


@dataclass
class Value:
    period: str
    period_start: date
    period_end: date
    value: Decimal


def year_value(value: Decimal) -> Value:
    return Value(str(YEAR), date(YEAR, 1, 1), YEAR_END, value)


def measure(kind: RewardKind, target: Decimal, direction: Direction = Direction.higher_is_better,
            amount: Decimal | None = None, percent: Decimal | None = None,
            cap: Decimal | None = None) -> Measure:
    m = Measure(id=1, code="M", name="Mittari", unit="€", direction=direction, rollup=Rollup.last,
                comparison=None, tolerance=Decimal("0.2"), baseline_value=None, reward_kind=kind,
                reward_amount=amount, reward_percent=percent, reward_cap=cap,
                reward_description=None)
    m.targets = [MeasureTarget(year=YEAR, value=target)]
    return m


def fixed() -> Measure:
    return measure(RewardKind.fixed, TARGET, amount=BONUS)


def test_a_fixed_reward_is_earned_when_the_years_target_is_met() -> None:
    reward = measure_reward(fixed(), [year_value(MET)], YEAR, YEAR_END)
    assert (reward.state, reward.earned) == (RewardState.earned, Decimal("50000.00"))
    assert (reward.value, reward.target) == (MET, TARGET)


def test_a_fixed_reward_is_not_earned_below_the_target_even_within_its_tolerance() -> None:
    reward = measure_reward(fixed(), [year_value(MISSED)], YEAR, YEAR_END)
    assert (reward.state, reward.earned) == (RewardState.not_earned, Decimal("0.00"))


def test_a_reward_is_pending_until_the_year_is_over_and_its_values_cover_it() -> None:
    before_the_end = measure_reward(fixed(), [year_value(MET)], YEAR, MID_YEAR)
    no_value = measure_reward(fixed(), [], YEAR, YEAR_END)
    part_year = measure_reward(fixed(), [Value(f"{YEAR}-T2", date(YEAR, 1, 1), MID_YEAR, MET)],
                               YEAR, YEAR_END)
    for reward in (before_the_end, no_value, part_year):
        assert (reward.state, reward.earned) == (RewardState.pending, None)


def test_a_share_of_the_excess_is_capped() -> None:
    capped = measure(RewardKind.share, Decimal(0), percent=Decimal(50), cap=Decimal(100000))
    uncapped = measure(RewardKind.share, Decimal(0), percent=Decimal(50))
    assert measure_reward(capped, [year_value(SURPLUS)], YEAR, YEAR_END).earned \
        == Decimal("100000.00")
    assert measure_reward(uncapped, [year_value(SURPLUS)], YEAR, YEAR_END).earned \
        == Decimal("620000.00")


def test_a_share_where_lower_is_better_is_of_what_stays_below_the_target() -> None:
    budget = Decimal("170000000")
    spent = Decimal("169200000")
    within = measure(RewardKind.share, budget, Direction.lower_is_better, percent=Decimal(10))
    reward = measure_reward(within, [year_value(spent)], YEAR, YEAR_END)
    assert (reward.state, reward.earned) == (RewardState.earned, Decimal("80000.00"))


# -- the Lappeenranta set ------------------------------------------------------------------


def _import(db: Session) -> ServiceAgreement:
    import_text(db, SYSTEM, LAPPEENRANTA.read_text(encoding="utf-8"), LAPPEENRANTA.name)
    return db.scalars(select(ServiceAgreement).where(
        ServiceAgreement.code == "LPR-EKSOTE-2010")).one()


def _measure(db: Session, agreement: ServiceAgreement, code: str) -> Measure:
    return db.scalars(select(Measure).join(Goal, Goal.id == Measure.goal_id).where(
        Goal.service_agreement_id == agreement.id, Measure.code == code)).one()


def test_the_lappeenranta_set_imports_as_ownership_steering_and_round_trips(db: Session
                                                                           ) -> None:
    agreement = _import(db)
    assert agreement.steering is Steering.ownership
    surplus = _measure(db, agreement, "YLIJAAMA")
    assert (surplus.reward_kind, surplus.reward_percent, surplus.reward_cap) \
        == (RewardKind.share, Decimal(50), Decimal(100000))
    exported = exporter.dump(exporter.build(db, SYSTEM, "405", "KH", YEAR))
    again = exporter.build(db, SYSTEM, "405", "KH", YEAR)
    assert parse(exported) == again
    assert "steering: ownership" in exported and "kind: share" in exported
    assert import_text(db, SYSTEM, exported, "export.yaml").changed is False


def test_the_rewards_route_answers_the_years_figures_to_readers_of_the_agreement(
        client: TestClient, db: Session) -> None:
    agreement = _import(db)
    purchaser = create_user(db, Role.purchaser_director,
                            db.get_one(Municipality, agreement.municipality_id))
    response = client.get(f"/api/v1/service-agreements/{agreement.id}/rewards",
                          params={"year": YEAR}, headers=auth(db, purchaser))
    assert response.status_code == 200, response.text
    by_code = {r["code"]: r for r in response.json()}
    assert (by_code["ASTYYT"]["state"], by_code["ASTYYT"]["earned"]) == ("earned", "50000.00")
    assert by_code["YLIJAAMA"]["earned"] == "100000.00"
    other = create_world(db, "837")["municipality"]
    stranger = create_user(db, Role.purchaser_director, other)
    hidden = client.get(f"/api/v1/service-agreements/{agreement.id}/rewards",
                        headers=auth(db, stranger))
    assert hidden.status_code == 404


def test_the_follow_up_report_of_the_year_shows_the_rewards_earned(db: Session) -> None:
    _import(db)
    report = follow_up(db, SYSTEM, _board(db), str(YEAR), "fi")
    assert "Omistajaohjaus" in report.title
    earned = {r.code: r.earned for r in report.rewards}
    assert earned == {"YLIJAAMA": Decimal("100000.00"), "ASTYYT": Decimal("50000.00")}
    part_year = follow_up(db, SYSTEM, _board(db), f"{YEAR}-T2", "fi")
    assert {r.state for r in part_year.rewards} == {RewardState.pending}


def _board(db: Session) -> int:
    return db.scalars(select(Board.id).where(Board.code == "KH")).one()


def test_an_amendment_keeps_the_reward_rule(db: Session) -> None:
    agreement = _import(db)
    amended = versioning.amend(db, SYSTEM, agreement)
    copy = _measure(db, amended, "ASTYYT")
    assert (amended.steering, copy.reward_kind, copy.reward_amount) \
        == (Steering.ownership, RewardKind.fixed, Decimal("50000.00"))


def test_a_share_without_its_percent_is_refused_naming_the_field_in_an_import(db: Session
                                                                              ) -> None:
    data = yaml.safe_load(LAPPEENRANTA.read_text(encoding="utf-8"))
    surplus = data["service_agreements"][0]["goals"][0]["measures"][2]
    del surplus["reward"]["percent"]
    with pytest.raises(ImportFailed) as err:
        import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True), "broken.yaml")
    paths = [e["path"] for e in err.value.errors]
    assert "service_agreements[0].goals[0].measures[2].reward.percent" in paths, paths


def test_a_share_without_its_percent_is_refused_naming_the_field_in_the_api(
        client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    response = client.post("/api/v1/measures", headers=h, json={
        "goal_id": w["goal"].id, "code": "TULOS", "name": "Tilikauden tulos", "unit": "euroa",
        "direction": "higher_is_better", "frequency": "year",
        "reward": {"kind": "share", "cap": "100000"}})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "reward.percent"
    fine = client.post("/api/v1/measures", headers=h, json={
        "goal_id": w["goal"].id, "code": "TULOS", "name": "Tilikauden tulos", "unit": "euroa",
        "direction": "higher_is_better", "frequency": "year",
        "reward": {"kind": "fixed", "amount": "50000"}})
    assert fine.status_code == 201, fine.text
    assert fine.json()["reward"]["amount"] == "50000.00"


def test_the_file_is_the_seeds_lappeenranta_case() -> None:
    doc = parse(LAPPEENRANTA.read_text(encoding="utf-8"))
    eksote = doc.providers[0]
    assert (eksote.code, eksote.kind.value, eksote.business_id) \
        == ("EKSOTE", "joint_municipal_authority", "2283136-6")
    codes = {m.code for g in doc.service_agreements[0].goals for m in g.measures}
    assert "ASTYYT" in codes


def test_the_agreement_document_and_the_report_say_the_rules_and_the_owners_goals(
        db: Session) -> None:
    agreement = _import(db)
    document = render_html(agreement_document(db, SYSTEM, agreement.id, "fi"), with_charts=False)
    assert "Omistajan strategiset tavoitteet" in document
    assert "Palkkio 50\xa0000\xa0€, kun tavoite saavutetaan" in document
    assert "tavoitteen ylittävästä osasta, enintään 100\xa0000\xa0€" in document
    report = render_html(follow_up(db, SYSTEM, _board(db), str(YEAR), "fi"), with_charts=False)
    assert "Tulostavoitteet ja palkkiot" in report
    assert "ansaittu 50\xa0000\xa0€" in report


def test_an_amendment_that_changes_a_reward_shows_it_in_the_versions_diff(db: Session) -> None:
    agreement = _import(db)
    amended = versioning.amend(db, SYSTEM, agreement)
    copy = _measure(db, amended, "ASTYYT")
    copy.reward_amount = Decimal("60000.00")
    db.flush()
    diff = compare_service_agreements(db, SYSTEM, agreement.id, amended.id)
    changed = next(m for m in diff.measures if m.code == "ASTYYT")
    assert [(f.field, f.from_, f.to) for f in changed.fields] \
        == [("reward_amount", Decimal("50000.00"), Decimal("60000.00"))]


def test_the_api_writes_and_reads_an_agreements_steering(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"/api/v1/service-agreements/{w['agreement'].id}"
    assert client.get(path, headers=h).json()["steering"] == "purchase"
    response = client.patch(path, headers=if_match(client, h, path),
                            json={"steering": "ownership"})
    assert response.status_code == 200, response.text
    assert response.json()["steering"] == "ownership"


def test_a_surplus_of_at_least_nothing_and_staying_within_budget_are_plain_measures() -> None:
    """"Tilikauden ylijäämä ≥ 0 €" is a target 0 where higher is better; "stay within budget" a
    target of the budget where lower is better: both met on the target itself."""
    budget = Decimal("170000000")
    nothing = Decimal(0)
    assert st.judge(nothing, nothing, Direction.higher_is_better, nothing) is st.Status.on_track
    assert st.judge(Decimal("-1"), nothing, Direction.higher_is_better, nothing) \
        is st.Status.off_track
    assert st.judge(budget, budget, Direction.lower_is_better, nothing) is st.Status.on_track
    assert st.judge(budget + 1, budget, Direction.lower_is_better, nothing) is st.Status.off_track
