"""National indicators: Sotkanet's data and regions files, through the API and the CLI."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.core.db import make_engine
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Board, PurchaserUnit
from app.submissions import sotkanet
from app.submissions.models import IndicatorValueRevision
from tests.helpers import auth, create, create_user
from tests.submissions.helpers import add_measure, submission_world

DATA = Path(__file__).parent / "data"
SOTKANET = Path(sys.executable).parent / "sopimus"
HAMEENLINNA = 46  # Sotkanet's region id of Hämeenlinna in the sample regions list
PSYCHIATRY = 4  # 0–17-year-olds in hospital care for mental disorders / 1 000


def files(data: bytes | None = None) -> dict[str, Any]:
    return {"data": ("data.json", data or (DATA / "sotkanet-data.json").read_bytes()),
            "regions": ("regions.json", (DATA / "sotkanet-regions.json").read_bytes())}


def national(db: Session, w: dict[str, Any], **fields: Any) -> Measure:
    return add_measure(db, w, "PSYK", source="national", frequency="year",
                       unit="/1 000", direction="lower_is_better",
                       sotkanet_indicator_id=PSYCHIATRY, sotkanet_region_id=HAMEENLINNA, **fields)


def values(db: Session, measure: Measure) -> dict[str, Decimal]:
    return {v.period: v.value for v in db.scalars(
        select(IndicatorValue).where(IndicatorValue.measure_id == measure.id))}


def test_the_sample_files_are_read_and_109_is_hameenlinna() -> None:
    regions = sotkanet.parse_regions((DATA / "sotkanet-regions.json").read_bytes())
    region = sotkanet.municipality_region(regions, "109")
    assert region is not None and (region.id, region.title.fi) == (HAMEENLINNA, "Hämeenlinna")
    assert sotkanet.municipality_region(regions, "20") is not None  # Akaa, "020"
    data = sotkanet.parse_values((DATA / "sotkanet-data.json").read_bytes())
    genders = {v.gender for v in data}
    assert genders == {"male", "female", "total"}
    assert any(v.value is None for v in data)


def test_the_purchaser_loads_a_national_measure_from_sotkanet_files(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    measure = national(db, w)
    assert client.post("/api/v1/sotkanet/load", headers=w["hr"],
                       files=files()).status_code == 403
    response = client.post("/api/v1/sotkanet/load", headers=w["hp"], files=files())
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (4, 0, 0)
    assert body["measures"] == [{
        "measure_id": measure.id, "measure_code": "PSYK", "indicator": PSYCHIATRY,
        "region": HAMEENLINNA, "region_title": "Hämeenlinna",
        "created": ["2013", "2014", "2015", "2016"], "updated": [], "unchanged": []}]
    # the "total" values only, for the framework's years 2013–2016
    assert values(db, measure) == {"2013": Decimal("6.1"), "2014": Decimal("6.4"),
                                   "2015": Decimal("5.9"), "2016": Decimal("5.7")}
    value = db.scalar(select(IndicatorValue).where(IndicatorValue.measure_id == measure.id,
                                                   IndicatorValue.period == "2015"))
    assert value is not None
    assert (value.status.value, value.created_by, value.reviewed_by) == (
        "accepted", w["purchaser"].username, w["purchaser"].username)
    assert value.comment == "Lähde: THL Sotkanet, indikaattori 4, Hämeenlinna"

    again = client.post("/api/v1/sotkanet/load", headers=w["hp"], files=files()).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    revised = json.loads((DATA / "sotkanet-data.json").read_text())
    for row in revised:
        if (row["indicator"], row["region"], row["year"], row["gender"]) == (
                PSYCHIATRY, HAMEENLINNA, 2015, "total"):
            row["value"] = 6.0
    third = client.post("/api/v1/sotkanet/load", headers=w["hp"],
                        files=files(json.dumps(revised).encode())).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 3)
    [revision] = db.scalars(select(IndicatorValueRevision)).all()
    assert (revision.old_value, revision.new_value, revision.reason) == (
        Decimal("5.9"), Decimal("6.0"), "THL Sotkanet load")
    # Providers do not report national indicators.
    provider_codes = {i["measure_code"] for i in client.get(
        "/api/v1/submissions/due", headers=w["hr"], params={"limit": 500}).json()["items"]}
    assert "PSYK" not in provider_codes
    reported = client.post("/api/v1/submissions", headers=w["hr"], json={
        "measure_id": measure.id, "period": "2015", "value": "1"})
    assert reported.status_code == 403


def test_a_manager_loads_only_the_national_measures_of_his_units_board(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    measure = national(db, w)
    board = create(db, Board, municipality_id=w["municipality"].id, code="SOTE",
                   name_fi="Sosiaali- ja terveyslautakunta")
    unit = create(db, PurchaserUnit, municipality_id=w["municipality"].id, code="SOTEU",
                  name_fi="Sote", board_id=board.id)
    manager = create_user(db, Role.purchaser_manager, w["municipality"], username="sote-pp",
                          purchaser_unit_id=unit.id)
    response = client.post("/api/v1/sotkanet/load", headers=auth(db, manager), files=files())
    assert response.status_code == 200, response.text
    assert (response.json()["measures"], values(db, measure)) == ([], {})


def test_a_bad_file_or_an_unknown_region_loads_nothing(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    measure = national(db, w)
    broken = json.dumps([
        {"indicator": 4, "region": 46, "year": 2015, "gender": "total", "value": 5.9},
        {"indicator": 4, "region": 46, "year": 2015, "gender": "both", "value": 5.9},
        {"indicator": "four", "region": 46, "year": 2015, "gender": "total", "value": 5.9},
    ]).encode()
    response = client.post("/api/v1/sotkanet/load", headers=w["hp"], files=files(broken))
    assert response.status_code == 422
    assert [(e["item"], e["field"]) for e in response.json()["errors"]] == [
        (1, "gender"), (2, "indicator")]
    for junk in (b"{", b'{"a": 1}', b"[" * 100_000):
        assert client.post("/api/v1/sotkanet/load", headers=w["hp"],
                           files=files(junk)).status_code == 422
    add_measure(db, w, "MUU", source="national", frequency="year",
                sotkanet_indicator_id=PSYCHIATRY, sotkanet_region_id=99999)
    unknown = client.post("/api/v1/sotkanet/load", headers=w["hp"], files=files())
    assert unknown.status_code == 422
    assert "region 99999 of measure MUU" in unknown.json()["errors"][0]["message"]
    assert values(db, measure) == {}


def test_sopimus_sotkanet_load_on_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "SOPIMUS_DATABASE_URL": url}
    assert subprocess.run([str(SOTKANET), "db", "upgrade"], env=env, capture_output=True,
                          check=False).returncode == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        w = submission_world(db)
        measure = national(db, w)
        db.commit()
    run = subprocess.run(
        [str(SOTKANET), "sotkanet", "load", str(DATA / "sotkanet-data.json"), "--regions",
         str(DATA / "sotkanet-regions.json"), "--municipality", "109"],
        env=env, capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "PSYK (indicator 4, Hämeenlinna): 4 created" in run.stdout
    with Session(engine) as db:
        assert values(db, measure)["2016"] == Decimal("5.7")
    bad = subprocess.run(
        [str(SOTKANET), "sotkanet", "load", str(DATA / "sotkanet-regions.json"), "--regions",
         str(DATA / "sotkanet-regions.json")],
        env=env, capture_output=True, text=True, check=False, timeout=120)
    assert bad.returncode == 1 and "Error: The data file has" in bad.stderr
    engine.dispose()
