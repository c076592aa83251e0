"""Part-year comparisons through the API: chosen when a measure is made (or taken from its
roll-up), asking a provider's T1 value for a comment by the same target as the report's light,
and printed beside the light in the follow-up report."""

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.indicators.models import IndicatorValue, Measure, MeasureTarget
from tests.helpers import auth, create, create_user, if_match
from tests.submissions.helpers import add_measure, submission_world, submit

MEASURES = "/api/v1/measures"


def new_measure(client: TestClient, headers: dict[str, str], goal_id: int, code: str,
                **fields: Any) -> dict[str, Any]:
    body = {"goal_id": goal_id, "code": code, "name": f"Mittari {code}", "unit": "kpl",
            "direction": "higher_is_better", "frequency": "tertial", **fields}
    response = client.post(MEASURES, headers=headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_measure_is_compared_as_chosen_or_as_its_roll_up_suggests(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    goal = w["goal"].id
    assert new_measure(client, w["hp"], goal, "S", rollup="sum")["comparison"] == "pro_rated_sum"
    assert new_measure(client, w["hp"], goal, "A", rollup="mean")["comparison"] == (
        "year_to_date_level")
    last = new_measure(client, w["hp"], goal, "L")
    assert (last["rollup"], last["comparison"]) == ("last", "latest_level")
    chosen = new_measure(client, w["hp"], goal, "K", rollup="last", comparison="pro_rated_sum")
    assert chosen["comparison"] == "pro_rated_sum"
    path = f"{MEASURES}/{last['id']}"
    changed = client.patch(path, headers=if_match(client, w["hp"], path),
                           json={"comparison": "target_path"})
    assert changed.status_code == 200, changed.text
    assert client.get(path, headers=w["hp"]).json()["comparison"] == "target_path"
    followed = f"{MEASURES}/{new_measure(client, w['hp'], goal, 'F')['id']}"
    client.patch(followed, headers=if_match(client, w["hp"], followed), json={"rollup": "sum"})
    assert client.get(followed, headers=w["hp"]).json()["comparison"] == "pro_rated_sum"
    kept = client.patch(path, headers=if_match(client, w["hp"], path), json={"rollup": "mean"})
    assert kept.json()["comparison"] == "target_path"  # chosen, so the roll-up leaves it
    bad = client.post(MEASURES, headers=w["hp"], json={
        "goal_id": goal, "code": "X", "name": "X", "unit": "kpl", "direction": "higher_is_better",
        "frequency": "tertial", "comparison": "forecast"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "comparison"


def test_a_t1_value_needs_a_comment_only_when_it_misses_its_comparisons_target(
    client: TestClient, db: Session
) -> None:
    """A cumulative tertial (rollup last): pro-rated, T1 is held against 4/12 × 1200 = 400;
    as the latest level against the whole 1200."""
    w = submission_world(db)
    year = [{"year": 2015, "value": 1200}]
    pro_rated = add_measure(db, w, "KERTYMA", targets=year, tolerance=10,
                            comparison="pro_rated_sum")
    level = add_measure(db, w, "TASO", targets=year, tolerance=10)
    assert level.comparison == "latest_level"
    assert submit(client, w["hr"], pro_rated, "2015-T1", "395").status_code == 201
    missed = submit(client, w["hr"], pro_rated, "2015-T2", "780")  # 8/12 × 1200 = 800
    assert missed.status_code == 422
    assert "misses the target 800 kpl by 20 (tolerance 10)" in missed.json()["errors"][0]["message"]
    behind = submit(client, w["hr"], level, "2015-T1", "395")
    assert behind.status_code == 422
    assert "misses the target 1200 kpl by 805" in behind.json()["errors"][0]["message"]


def row_of(html: str, code: str) -> str:
    name = html.index(f"<b class=\"m-name\">{code}</b>")
    start = html.rindex("<div class=\"measure ", 0, name)  # the measure's block
    row = html[start:html.index("</div>", name)]
    return row.replace("\xa0", " ").replace("\u202f", " ")  # numbers keep their units close


def test_the_report_prints_how_each_value_was_compared_beside_its_light(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    director = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    for code, comparison in [("KERTYMA", "pro_rated_sum"), ("TASO", "latest_level"),
                             ("POLKU", "target_path")]:
        m: Measure = add_measure(db, w, code, comparison=comparison, tolerance=10,
                                 baseline_value=300, baseline_year=2014)
        create(db, MeasureTarget, measure_id=m.id, year=2015, value=1200)
        create(db, IndicatorValue, measure_id=m.id, period="2015-T1", value=Decimal(620),
               comment="Alkuvuosi")
    html = client.get("/api/v1/reports/follow-up", headers=director, params={
        "board_id": w["board"].id, "period": "2015-T1", "format": "html"})
    assert html.status_code == 200, html.text
    cumulative = row_of(html.text, "KERTYMA")
    assert "s-on_track" in cumulative
    assert "verrattu: suhteutettu summa 4/12 × vuoden tavoite 1 200 kpl = 400 kpl" in cumulative
    level = row_of(html.text, "TASO")
    assert "s-off_track" in level
    assert "verrattu: viimeisin arvo 620 kpl vuoden tavoitteeseen 1 200 kpl" in level
    path = row_of(html.text, "POLKU")  # 300 + 4/12 × 900 = 600
    assert "s-on_track" in path
    assert ("verrattu: viimeisin arvo tavoitepolkuun 300 kpl + 4/12 × (1 200 kpl − "
            "300 kpl) = 600 kpl") in path
    english = client.get("/api/v1/reports/follow-up", headers=director, params={
        "board_id": w["board"].id, "period": "2015-T1", "format": "html", "language": "en"})
    # one language at a time: the Finnish abbreviation of the unit is told in English too
    assert ("compared: pro-rated sum 4/12 × the year's target 1,200 pcs = 400 pcs"
            in row_of(english.text, "KERTYMA"))
