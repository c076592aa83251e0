"""The demo's year in progress: Hämeenlinna's LANULA agreement set carried over into the current
year (marked as demo data), and what of it is reported, reviewed and due on the day it is loaded.

Everything is computed from the day the demo is loaded (``YearPlan.of(date.today())``), so the
demo is a year in progress whenever it is loaded: months whose due date has passed are
accepted, except the README's example provider's last one (overdue, not reported) and the one
before it (returned with a reason); the months ended since are submitted and wait for review.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import yaml

from app.core.periods import Frequency, Period, periods_of_year
from app.submissions.rules import default_due_date

DEMO_MARK = "(esittelyaineisto)"
SEED = "109-hameenlinna-lanula-2013-2016.yaml"
BOARD = "LANULA"
AMENDED_PROVIDER = "HML-OMA"
AMENDED_MEASURE = "HARRASTUS"  # goal 3: its target of the year is raised by the amendment
AMENDED_TARGET = (Decimal(75), Decimal(80))  # (v1, v2)
# The README's example provider reporter (109-hml-alue1): one overdue and one returned value.
EXAMPLE_PROVIDER = "HML-ALUE1"
RETURN_REASON = ("Arvo on selvästi edellisiä kuukausia pienempi: tarkistakaa, onko kaikkien "
                 "päiväkotien lapset laskettu mukaan, ja lähettäkää arvo uudelleen.")
# One monthly measure per provider of the order budget (all figures invented).
MONTHLY: dict[str, dict[str, Any]] = {
    "region": {"code": "TAYTTOASTE", "name": "Päiväkotien täyttöaste kuukauden aikana",
               "unit": "%", "direction": "higher_is_better", "baseline": 90, "target": 94,
               "tolerance": 3, "rollup": "mean", "range": {"min": 0, "max": 150}, "goal": "2.2",
               "goal_title": "Varhaiskasvatuksen paikat ovat täysimääräisesti käytössä"},
    "HML-KESKITETYT": {
        "code": "NEUVOLA-AJALLAAN", "name": "Määräaikaistarkastukset, jotka tehtiin ajallaan",
        "unit": "%", "direction": "higher_is_better", "baseline": 88, "target": 95,
        "tolerance": 3, "rollup": "mean", "range": {"min": 0, "max": 100}, "goal": "3.1",
        "goal_title": "Neuvolan tarkastukset tehdään ajallaan"},
    "KHSHP": {
        "code": "HOITOON-3KK", "name": "Nuorisopsykiatrian hoitoon alle kolmessa kuukaudessa "
        "päässeiden osuus", "unit": "%", "direction": "higher_is_better", "baseline": 82,
        "target": 95, "tolerance": 5, "rollup": "mean", "range": {"min": 0, "max": 100},
        "goal": "3.1", "goal_title": "Nuori pääsee hoitoon ajoissa"},
}


class Planned(StrEnum):
    """What the demo does with a provider's monthly value."""

    accepted = "accepted"
    submitted = "submitted"
    returned = "returned"
    missing = "missing"  # not reported: due, or overdue once its due date has passed


@dataclass(frozen=True)
class YearPlan:
    today: date
    year: int
    effective_from: date  # the amendment of HML-OMA's agreement takes effect
    amended_on: date  # the board's decision on the amendment

    @classmethod
    def of(cls, today: date) -> "YearPlan":
        # 1 July, or the first day of the current month if earlier, but never before T1 ends:
        # T1 keeps version 1's target and every later period uses version 2's.
        first_of_month = today.replace(day=1)
        effective = min(date(today.year, 7, 1), max(first_of_month, date(today.year, 5, 1)))
        return cls(today, today.year, effective, min(today, effective - timedelta(days=14)))

    @property
    def months(self) -> list[Period]:
        return list(periods_of_year(self.year, Frequency.month))

    @property
    def reported(self) -> list[Period]:
        """The months reported so far: those ended, and at least two (early in January, the
        demo's providers report the first months ahead)."""
        ended = [p for p in self.months if p.end < self.today]
        return ended if len(ended) >= 2 else self.months[:2]

    def closed(self, period: Period) -> bool:
        return default_due_date(period) < self.today

    def planned(self, provider: str, period: Period) -> Planned:
        reported = self.reported
        closed = [p for p in reported if self.closed(p)]
        if provider == EXAMPLE_PROVIDER:
            overdue = closed[-1] if closed else None
            candidates = closed[:-1] or [p for p in reported if p != overdue]
            returned = candidates[-1] if candidates else None
            if period == overdue or period not in reported:
                return Planned.missing
            if period == returned:
                return Planned.returned
        if period not in reported:
            return Planned.missing
        return Planned.accepted if period in closed else Planned.submitted

    @property
    def tertials(self) -> list[Period]:
        """HML-OMA's tertials reported so far (T1, T2 once ended)."""
        return [p for p in periods_of_year(self.year, Frequency.tertial)[:2]
                if p.end < self.today]

    @property
    def report_period(self) -> str:
        """The board's issued follow-up report: the latest ended tertial (T1 before it ends)."""
        return (self.tertials or periods_of_year(self.year, Frequency.tertial)[:1])[-1].code


def _value(provider_index: int, month: int, target: int) -> int:
    """An invented value near the target that moves from month to month."""
    return target - 4 + (provider_index * 3 + month * 5) % 8


def _provider_agreement(plan: YearPlan, index: int, line_provider: str) -> dict[str, Any]:
    spec = MONTHLY.get(line_provider, MONTHLY["region"])
    y = plan.year
    values = []
    for period in plan.months:
        state = plan.planned(line_provider, period)
        if state is Planned.missing:
            continue
        value = _value(index, period.start.month, spec["target"])
        if state is Planned.returned:
            value = value // 2  # what the purchaser returns: half of the usual
        values.append({"period": period.code, "value": value})
    suffix = line_provider.removeprefix("HML-")
    return {
        "code": f"HML-{BOARD}-{y}-{suffix}", "provider": line_provider, "boards": [BOARD],
        "year": y, "title": f"Palvelusopimus {y}, {line_provider} {DEMO_MARK}",
        "description": f"Esittelyaineistoa: vuoden {y} palvelusopimus, jonka mittarista "
                       "raportoidaan kuukausittain. Luvut on keksitty.",
        "goals": [{"code": "1", "title": spec["goal_title"], "long_term_goal": spec["goal"],
                   "measures": [{
                       "code": spec["code"], "name": spec["name"], "unit": spec["unit"],
                       "direction": spec["direction"],
                       "baseline": {"value": spec["baseline"], "year": y - 1},
                       "targets": {y: spec["target"]}, "tolerance": spec["tolerance"],
                       "frequency": "month", "rollup": spec["rollup"], "range": spec["range"],
                       "values": values}]}],
    }


def _own_agreement(plan: YearPlan, seed: dict[str, Any]) -> dict[str, Any]:
    """The seed's own production agreement of 2015 as this year's: 2015's targets are this
    year's, 2016's the next year's, and T1 and T2 are reported as in 2015 once they end."""
    y = plan.year
    old = next(s for s in seed["service_agreements"] if s["provider"] == AMENDED_PROVIDER)
    reported = {p.code.replace(str(y), str(old["year"])): p.code for p in plan.tertials}
    goals = []
    for goal in old["goals"]:
        measures = []
        for m in goal.get("measures", []):
            targets = {y + year - old["year"]: value for year, value in m["targets"].items()}
            values = [{"period": reported[v["period"]], "value": v["value"],
                       "comment": v.get("comment")}
                      for v in m.get("values", []) if v["period"] in reported]
            baseline = {"value": m["baseline"]["value"], "year": y - 1}
            measures.append({**m, "targets": targets, "values": values, "baseline": baseline})
        goals.append({**goal, "measures": measures})
    return {**old, "code": f"HML-{BOARD}-{y}-OMA", "year": y, "goals": goals,
            "title": old["title"].replace(str(old["year"]), str(y)) + f" {DEMO_MARK}",
            "description": f"Esittelyaineistoa: vuoden {old['year']} sopimus siirrettynä "
                           f"vuodelle {y}. " + old["description"].replace(
                               str(old["year"]), str(y))}


def demo_set(plan: YearPlan, seed_text: str) -> str:
    """The YAML of the year in progress (the contracts/ format), from the Hämeenlinna seed."""
    seed = yaml.safe_load(seed_text)
    y = plan.year
    framework = seed["framework_agreement"]
    budget = seed["order_budget"]
    providers = list(dict.fromkeys(line["provider"] for line in budget["lines"]))
    doc = {
        "municipality": seed["municipality"],
        "framework_agreement": {
            **framework, "first_year": y, "last_year": y + 3,
            "title": f"Lapsen ja nuoren hyvä päivä – lasten ja nuorten palvelujen puitesopimus "
                     f"{y}–{y + 3} {DEMO_MARK}",
            "description": "Esittelyaineistoa: vuosien 2013–2016 puitesopimus jatkettuna "
                           f"vuosille {y}–{y + 3}. " + framework["description"]},
        "order_budget": {**budget, "year": y,
                         "title": f"Lasten ja nuorten palvelujen tilausbudjetti {y} {DEMO_MARK}"},
        "service_agreements": [_own_agreement(plan, seed)] + [
            _provider_agreement(plan, i, code) for i, code in enumerate(providers)],
    }
    return yaml.dump(doc, Dumper=_Plain, allow_unicode=True, sort_keys=False)


class _Plain(yaml.SafeDumper):
    """Writes shared values out: the contracts format refuses YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True
