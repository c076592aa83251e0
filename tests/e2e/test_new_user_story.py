"""Done-criterion of the foundation: what a new user does, through the HTTP API alone."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from tests.helpers import PASSWORD, create_user


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


def post(client: TestClient, headers: dict[str, str], path: str, body: dict) -> dict:
    response = client.post(f"/api/v1{path}", json=body, headers=headers)
    assert response.status_code == 201, f"{path}: {response.text}"
    return response.json()


def test_hameenlinna_lanula_from_framework_to_reported_values(
    client: TestClient, db: Session
) -> None:
    create_user(db, Role.admin, username="root")
    h = login(client, "root")

    m = post(client, h, "/municipalities", {"code": "109", "name_fi": "Hämeenlinna",
                                             "name_sv": "Tavastehus"})
    lanula = post(client, h, "/boards", {"municipality_id": m["id"], "code": "LANULA",
                                         "name_fi": "Lasten ja nuorten lautakunta"})
    tetola = post(client, h, "/boards", {
        "municipality_id": m["id"], "code": "TETOLA",
        "name_fi": "Terveyttä ja toimintakykyä edistävien palvelujen lautakunta"})
    fa = post(client, h, "/framework-agreements", {
        "board_id": lanula["id"], "title": "Lasten ja nuorten puitesopimus 2013–2016",
        "first_year": 2013, "last_year": 2016})
    names = ["Tulevaisuuden kehitysyhteisöt", "Syrjäytymisen ehkäisy ja osallisuuden lisääminen",
             "Tuottavuus"]
    perspectives = [post(client, h, "/perspectives", {"framework_agreement_id": fa["id"],
                                                       "position": i + 1, "name_fi": n})
                    for i, n in enumerate(names)]
    ltg = post(client, h, "/long-term-goals", {
        "perspective_id": perspectives[1]["id"], "code": "2.1",
        "title": "Palvelurakenteen painopistettä siirretään varhaisiin ja kevyempiin palveluihin",
        "board_ids": [lanula["id"], tetola["id"]], "resources": ["transfer"],
        "evaluation": "Korjaavien palveluiden kustannukset"})
    assert ltg["board_ids"] == sorted([lanula["id"], tetola["id"]])  # a joint goal

    area = post(client, h, "/service-areas", {"municipality_id": m["id"], "code": "LNP",
                                              "name_fi": "Lasten ja nuorten palvelut"})
    group = post(client, h, "/product-groups", {"service_area_id": area["id"], "code": "VAKA",
                                                "name_fi": "Varhaiskasvatus"})
    daycare = post(client, h, "/products", {"product_group_id": group["id"], "code": "PKH",
                                            "name_fi": "Päiväkotihoito", "unit": "hoitopäivä"})
    preschool = post(client, h, "/products", {"product_group_id": group["id"], "code": "EO",
                                              "name_fi": "Esiopetus", "unit": "oppilas"})
    own = post(client, h, "/providers", {"municipality_id": m["id"], "code": "HML-ALUE1",
                                         "name": "Alue 1", "kind": "own_production_unit"})
    company = post(client, h, "/providers", {
        "municipality_id": m["id"], "code": "TENAVA", "name": "Päiväkoti Tenava Oy",
        "kind": "company", "business_id": "0204819-8"})

    budget = post(client, h, "/order-budgets", {"board_id": lanula["id"], "year": 2015,
                                                "title": "Tilausbudjetti 2015"})
    lines = [
        (daycare, own, "52000", "71.35"),
        (preschool, own, "310", "4820.50"),
        (daycare, company, "8000.5", "68.90"),
    ]
    for product, provider, volume, price in lines:
        line = post(client, h, "/order-budget-lines", {
            "order_budget_id": budget["id"], "product_id": product["id"],
            "provider_id": provider["id"], "volume": volume, "unit_price": price,
            "population_moment": "direct", "age_segment": "0-3"})
        assert Decimal(line["total"]) == (Decimal(volume) * Decimal(price)).quantize(
            Decimal("0.01"))

    totals = client.get(f"/api/v1/order-budgets/{budget['id']}/totals", headers=h).json()
    own_total = Decimal("52000") * Decimal("71.35") + Decimal("310") * Decimal("4820.50")
    company_total = (Decimal("8000.5") * Decimal("68.90")).quantize(Decimal("0.01"))
    assert Decimal(totals["total"]) == own_total + company_total
    by_provider = {p["code"]: Decimal(p["total"]) for p in totals["by_provider"]}
    assert by_provider == {"HML-ALUE1": own_total, "TENAVA": company_total}
    assert [Decimal(g["total"]) for g in totals["by_product_group"]] == [
        own_total + company_total]

    sa = post(client, h, "/service-agreements", {
        "code": "HML-LANULA-2015-ALUE1", "framework_agreement_id": fa["id"],
        "order_budget_id": budget["id"], "provider_id": own["id"], "year": 2015,
        "title": "Palvelusopimus 2015, alue 1", "board_ids": [lanula["id"]]})
    goal = post(client, h, "/goals", {"service_agreement_id": sa["id"], "long_term_goal_id":
                                      ltg["id"], "code": "1",
                                      "title": "Korjaavien palveluiden osuus pienenee"})
    cost = post(client, h, "/measures", {
        "goal_id": goal["id"], "code": "KORJ", "name": "Korjaavien palveluiden kustannukset",
        "unit": "€", "direction": "lower_is_better", "baseline_value": "14200000",
        "baseline_year": 2013, "tolerance": "200000", "frequency": "tertial", "rollup": "last",
        "targets": [{"year": 2015, "value": "13500000"}, {"year": 2016, "value": "13000000"}]})
    hobby = post(client, h, "/measures", {
        "goal_id": goal["id"], "code": "HARR", "unit": "%",
        "name": "Jokaiselle lapselle tarjotaan mahdollisuus yhteen harrastukseen",
        "direction": "higher_is_better", "baseline_value": "61", "baseline_year": 2013,
        "frequency": "tertial", "min_value": "0", "max_value": "100",
        "targets": [{"year": 2015, "value": "75"}]})
    assert cost["provider_id"] == own["id"]  # the agreement's provider by default
    assert [t["year"] for t in cost["targets"]] == [2015, 2016]

    reported = {("KORJ", "2015-T1"): "4410000.00", ("KORJ", "2015-T2"): "8930000.00",
                ("HARR", "2015-T1"): "66.5", ("HARR", "2015-T2"): "70.2"}
    ids = {"KORJ": cost["id"], "HARR": hobby["id"]}
    for (code, period), value in reported.items():
        post(client, h, "/indicator-values", {"measure_id": ids[code], "period": period,
                                              "value": value, "comment": "Toteuma"})

    listed = client.get("/api/v1/indicator-values", headers=h,
                        params={"provider_id": own["id"], "year": 2015}).json()
    assert listed["total"] == 4
    back = {(next(c for c, i in ids.items() if i == v["measure_id"]), v["period"]):
            Decimal(v["value"]) for v in listed["items"]}
    assert back == {k: Decimal(v) for k, v in reported.items()}
    t2 = next(v for v in listed["items"] if v["period"] == "2015-T2")
    assert (t2["period_start"], t2["period_end"]) == ("2015-01-01", "2015-08-31")
    assert t2["created_by"] == "root"

    measures = client.get("/api/v1/measures", headers=h,
                          params={"service_agreement_id": sa["id"]}).json()
    assert [x["code"] for x in measures["items"]] == ["HARR", "KORJ"]
    assert Decimal(measures["items"][1]["baseline_value"]) == Decimal("14200000")
