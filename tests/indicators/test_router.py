from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.indicators.models import IndicatorValue
from tests.helpers import auth, create_user, create_world, if_match


def test_one_value_per_measure_and_period(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_manager, w["municipality"]))
    body = {"measure_id": w["measure"].id, "period": "2015-T1", "value": "42.5"}
    assert client.post("/api/v1/indicator-values", headers=h, json=body).status_code == 201
    again = client.post("/api/v1/indicator-values", headers=h, json={**body, "value": "43"})
    assert again.status_code == 409
    assert "measure M1 has a value for 2015-T1" in again.json()["detail"]
    assert db.scalar(select(func.count()).select_from(IndicatorValue)) == 1


def test_values_are_checked_against_the_measure(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_manager, w["municipality"]))
    m = w["measure"].id
    cases = [
        ({"measure_id": m, "period": "2015-03", "value": "5"}, "period", "tertial"),
        ({"measure_id": m, "period": "2019-T1", "value": "5"}, "period", "2013–2016"),
        ({"measure_id": m, "period": "2015-T1", "value": "101"}, "value", "largest allowed"),
        ({"measure_id": m, "period": "2015-T1", "value": "-1"}, "value", "smallest allowed"),
        ({"measure_id": m, "period": "2015-T3", "value": "5"}, "period", "T2"),
        ({"measure_id": m, "period": "2015-T1", "value": "viisi"}, "value", "decimal"),
    ]
    for body, field, words in cases:
        response = client.post("/api/v1/indicator-values", headers=h, json=body)
        assert response.status_code == 422, (body, response.text)
        error = response.json()["errors"][0]
        assert error["field"] == field and words in error["message"], (body, error)
    assert db.scalar(select(func.count()).select_from(IndicatorValue)) == 0


def test_targets_must_fall_within_the_agreement_years(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_director, w["municipality"]))
    path = f"/api/v1/measures/{w['measure'].id}"
    response = client.patch(path, headers=if_match(client, h, path),
                            json={"targets": [{"year": 2015, "value": 50},
                                              {"year": 2017, "value": 60}]})
    assert response.status_code == 422
    assert "2017" in response.json()["detail"]
    ok = client.patch(path, headers=if_match(client, h, path),
                      json={"targets": [{"year": 2015, "value": 50}]})
    assert ok.json()["targets"] == [{"year": 2015, "value": "50.0000"}]


def test_a_patch_that_corrects_a_value_needs_its_reason_as_a_submission_does(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    reporter = auth(db, create_user(db, Role.provider_reporter, w["municipality"],
                                    provider_id=w["provider"].id))
    created = client.post("/api/v1/submissions", headers=reporter, json={
        "measure_id": w["measure"].id, "period": "2015-T1", "value": "42.5"})
    path = f"/api/v1/indicator-values/{created.json()['indicator_value']['id']}"
    no_reason = client.patch(path, headers=if_match(client, reporter, path), json={"value": "66"})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    assert db.scalar(select(IndicatorValue.value)) == Decimal("42.5")
    corrected = client.patch(path, headers=if_match(client, reporter, path),
                             json={"value": "66.5", "reason": "Desimaali puuttui"})
    assert corrected.status_code == 200, corrected.text
    assert Decimal(corrected.json()["value"]) == Decimal("66.5")
    [revision] = client.get(f"{path}/history", headers=reporter).json()["revisions"]
    assert (Decimal(revision["old_value"]), Decimal(revision["new_value"]), revision["reason"]) \
        == (Decimal("42.5"), Decimal("66.5"), "Desimaali puuttui")


def test_a_purchasers_patch_of_a_comment_is_a_correction_too(
    client: TestClient, db: Session
) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_manager, w["municipality"]))
    value = client.post("/api/v1/indicator-values", headers=h, json={
        "measure_id": w["measure"].id, "period": "2015-T1", "value": "42.5"}).json()
    path = f"/api/v1/indicator-values/{value['id']}"
    no_reason = client.patch(path, headers=if_match(client, h, path), json={"comment": "Uusi"})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    same = client.patch(path, headers=if_match(client, h, path), json={"value": "42.5"})
    assert same.status_code == 200  # nothing changes: no correction, no reason needed
