"""Agreements as files over the whole life: an export writes each version once, marked; it
imports into an empty database and exports back to the same file; re-importing it changes
nothing; a changed file drafts the next version (the diff printed); a file that would change
an approved version in place is refused naming the line. The Hämeenlinna agreement set after
an approved amendment of its order budget and a service agreement, through the HTTP API."""

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus, ServiceAgreement
from app.audit.models import AuditEntry
from app.auth.models import Role
from app.budgets.models import OrderBudget
from app.contracts import exporter
from app.contracts.importer import import_text
from app.contracts.loading import ImportFailed, line_index
from app.contracts.schema import json_schema
from app.core.migrate import upgrade
from app.demo import SYSTEM
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Municipality
from tests.agreements.flow import DECISION, amend, approve, import_hameenlinna, move, patch
from tests.conftest import empty_database
from tests.helpers import auth, create_user

API = "/api/v1"
CODE = "HML-LANULA-2015-OMA"


@dataclass
class Amended:
    director: dict[str, str]
    text: str  # the export after the amendments


def _approve_amendment(client: TestClient, headers: dict[str, str], path: str,
                       effective_from: str) -> None:
    move(client, headers, path, "negotiation")
    move(client, headers, path, "approved", **{**DECISION, "event_date": "2015-06-10",
                                               "effective_from": effective_from})


def _export(db: Session) -> str:
    return exporter.dump(exporter.build(db, SYSTEM, "109", "LANULA", 2015))


@pytest.fixture
def amended(client: TestClient, db: Session) -> Amended:
    """Budget and agreement v1 approved; both amended (a line's volume, the HARRASTUS 2016
    target) and v2 approved from 1 July 2015."""
    import_hameenlinna(db)
    v1 = db.scalars(select(ServiceAgreement).where(ServiceAgreement.code == CODE)).one()
    director = auth(db, create_user(db, Role.purchaser_director,
                                    db.get_one(Municipality, v1.municipality_id)))
    assert v1.order_budget_id is not None
    approve(client, director, f"{API}/order-budgets/{v1.order_budget_id}")
    approve(client, director, f"{API}/service-agreements/{v1.id}")
    budget = amend(client, director, f"{API}/order-budgets/{v1.order_budget_id}")
    line = client.get(f"{API}/order-budget-lines", headers=director, params={
        "order_budget_id": budget["id"], "limit": 1}).json()["items"][0]
    patch(client, director, f"{API}/order-budget-lines/{line['id']}",
          {"volume": str(int(float(line["volume"])) + 10)})
    _approve_amendment(client, director, f"{API}/order-budgets/{budget['id']}", "2015-07-01")
    v2 = amend(client, director, f"{API}/service-agreements/{v1.id}")
    measures = client.get(f"{API}/measures", headers=director, params={
        "service_agreement_id": v2["id"], "limit": 100}).json()["items"]
    harrastus = next(m for m in measures if m["code"] == "HARRASTUS")
    patch(client, director, f"{API}/measures/{harrastus['id']}",
          {"targets": [{"year": 2015, "value": 75}, {"year": 2016, "value": 90}]})
    _approve_amendment(client, director, f"{API}/service-agreements/{v2['id']}", "2015-07-01")
    return Amended(director, _export(db))


@pytest.fixture
def empty_db(db: Session, tmp_path: Path) -> Iterator[Session]:
    """A second, empty database of the same kind as ``db``."""
    engine, drop = empty_database(db.get_bind().dialect.name, tmp_path)
    upgrade(engine)
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        yield session
    drop()


def _audit_entries(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_the_export_writes_each_version_once_marked(amended: Amended) -> None:
    data = yaml.safe_load(amended.text)
    main = next(s for s in data["service_agreements"] if s["code"] == CODE)
    earlier = [s for s in data["earlier_versions"]["service_agreements"] if s["code"] == CODE]
    assert (main["version"], main["status"], main["approval"]["effective_from"]) == (
        2, "approved", date(2015, 7, 1))
    assert [(s["version"], s["status"]) for s in earlier] == [(1, "superseded")]
    assert (data["order_budget"]["version"], data["order_budget"]["status"]) == (2, "approved")
    assert [b["version"] for b in data["earlier_versions"]["order_budgets"]] == [1]
    # each value once, under the version in force for its period
    periods = {s["version"]: [v["period"] for g in s["goals"] for m in g.get("measures", [])
                              if m["code"] == "HARRASTUS" for v in m.get("values", [])]
               for s in [main, *earlier]}
    assert periods == {1: ["2015-T1"], 2: ["2015-T2", "2015"]}
    # and the JSON schema in contracts/schema/ knows the marks
    jsonschema.validate(json.loads(json.dumps(data, default=str)), json.loads(json_schema()))
    main["status"] = "valmis"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(data, default=str)), json.loads(json_schema()))


def test_an_export_imports_into_an_empty_database_and_exports_back_the_same(
        amended: Amended, empty_db: Session) -> None:
    result = import_text(empty_db, SYSTEM, amended.text, "export.yaml")
    empty_db.commit()
    assert result.created > 0 and not result.amendments
    assert _export(empty_db) == amended.text
    v2 = empty_db.scalars(select(ServiceAgreement).where(ServiceAgreement.code == CODE,
                                                         ServiceAgreement.version == 2)).one()
    assert v2.status is AgreementStatus.approved
    assert v2.effective_from is not None and v2.effective_from.isoformat() == "2015-07-01"
    # the values belong to the measure's lineage: all three, once each
    lineage = empty_db.scalars(select(Measure.lineage).where(Measure.code == "HARRASTUS")).first()
    assert empty_db.scalar(select(func.count()).select_from(IndicatorValue).where(
        IndicatorValue.lineage == lineage)) == 3


def test_reimporting_an_export_changes_nothing(
        client: TestClient, db: Session, amended: Amended) -> None:
    entries = _audit_entries(db)
    result = import_text(db, SYSTEM, amended.text, "export.yaml")
    assert (result.created, result.updated, result.amendments, result.changed) == (0, 0, [], False)
    assert _audit_entries(db) == entries
    response = client.post(f"{API}/contracts/import", headers=amended.director,
                           content=amended.text.encode())
    assert response.status_code == 200, response.text
    assert response.json()["changed"] is False


def _main(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["service_agreements"] if s["code"] == CODE)
    return found


def _harrastus(agreement: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(m for g in agreement["goals"] for m in g.get("measures", [])
                                 if m["code"] == "HARRASTUS")
    return found


def test_a_changed_file_drafts_the_next_version_and_prints_the_diff(
        client: TestClient, db: Session, amended: Amended) -> None:
    data = yaml.safe_load(amended.text)
    main = _main(data)
    del main["status"], main["approval"]  # what the agreement should now be
    _harrastus(main)["targets"][2016] = 95
    data["order_budget"]["lines"][0]["unit_price"] += 1
    del data["order_budget"]["status"], data["order_budget"]["approval"]
    response = client.post(f"{API}/contracts/import", headers=amended.director,
                           content=yaml.safe_dump(data, allow_unicode=True).encode())
    assert response.status_code == 200, response.text
    diffs = {a["agreement"]: a for a in response.json()["amendments"]}
    assert diffs[f"service agreement {CODE}"]["version"] == 3
    assert "target 2016: 90 → 95" in diffs[f"service agreement {CODE}"]["diff"]
    budget_diff = diffs["order budget 2015"]["diff"]
    assert "version 2 (approved) → version 3 (draft)" in budget_diff
    assert "Budget effect: +" in budget_diff and " €" in budget_diff
    v3 = db.scalars(select(ServiceAgreement).where(ServiceAgreement.code == CODE,
                                                   ServiceAgreement.version == 3)).one()
    assert v3.status is AgreementStatus.draft
    assert db.scalars(select(OrderBudget).where(OrderBudget.version == 3)).one().status \
        is AgreementStatus.draft


def test_a_file_that_would_change_an_approved_version_in_place_is_refused_naming_the_line(
        db: Session, amended: Amended) -> None:
    data = yaml.safe_load(amended.text)
    _harrastus(_main(data))["targets"][2016] = 95  # still says: version 2, approved
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    entries = _audit_entries(db)
    with pytest.raises(ImportFailed) as refused:
        import_text(db, SYSTEM, text, "edited.yaml")
    error = refused.value.errors[0]
    index = next(i for i, s in enumerate(data["service_agreements"]) if s["code"] == CODE)
    assert error["path"].startswith(f"service_agreements[{index}].goals[")
    assert error["path"].endswith(".targets.2016")
    assert error["line"] == line_index(text)[error["path"]]
    assert "version 2 is approved" in error["message"]
    assert _audit_entries(db) == entries


def test_a_change_to_an_earlier_version_is_refused_naming_the_line(
        db: Session, amended: Amended) -> None:
    data = yaml.safe_load(amended.text)
    index, earlier = next((i, s) for i, s in enumerate(data["earlier_versions"]
                                                       ["service_agreements"])
                          if s["code"] == CODE)
    earlier["title"] = "Toinen otsikko"
    del earlier["status"], earlier["approval"]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(ImportFailed) as refused:
        import_text(db, SYSTEM, text, "edited.yaml")
    error = refused.value.errors[0]
    assert error["path"] == f"earlier_versions.service_agreements[{index}].title"
    assert error["line"] == line_index(text)[error["path"]]
    assert "version 1 is superseded" in error["message"]


def test_a_value_of_a_measure_new_in_a_drafted_amendment_is_refused(
        db: Session, amended: Amended) -> None:
    """Stored against the draft's measure, it would count nowhere and go with the draft."""
    data = yaml.safe_load(amended.text)
    main = _main(data)
    del main["status"], main["approval"]  # drafts version 3
    new = {**copy.deepcopy(_harrastus(main)), "code": "UUSI",
           "values": [{"period": "2015-T1", "value": 60, "comment": "uusi mittari"}]}
    goal = next(g for g in main["goals"] if _harrastus(main) in g.get("measures", []))
    goal["measures"].append(new)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    values = db.scalar(select(func.count()).select_from(IndicatorValue))
    with pytest.raises(ImportFailed) as refused:
        import_text(db, SYSTEM, text, "new-measure.yaml")
    error = refused.value.errors[0]
    assert "measure UUSI is new in a draft amendment" in error["message"]
    assert error["path"].endswith(f".measures[{len(goal['measures']) - 1}].values[0]")
    assert db.scalar(select(func.count()).select_from(IndicatorValue)) == values


@pytest.mark.parametrize(("effective_from", "says"), [
    (date(2014, 1, 1), "cannot take effect before"),  # before version 1 took effect
    (date(2016, 1, 1), "cannot take effect after 2015-12-31")])
def test_a_version_taking_effect_when_an_approval_could_not_is_refused(
        amended: Amended, empty_db: Session, effective_from: date, says: str) -> None:
    """An import approves a version by the rules of POST …/transitions."""
    data = yaml.safe_load(amended.text)
    _main(data)["approval"]["effective_from"] = effective_from
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(ImportFailed) as refused:
        import_text(empty_db, SYSTEM, text, "effective.yaml")
    error = refused.value.errors[0]
    index = next(i for i, s in enumerate(data["service_agreements"]) if s["code"] == CODE)
    assert error["path"] == f"service_agreements[{index}].approval.effective_from"
    assert says in error["message"]


def test_an_agreement_approved_in_a_file_needs_the_approved_budget_the_api_needs(
        empty_db: Session) -> None:
    """A file cannot approve what POST …/transitions would refuse: here the order budget that
    pays for the agreement is still a draft."""
    data = yaml.safe_load(Path("contracts/020-akaa-perhepalvelut.yaml").read_text())
    data["service_agreements"][0]["status"] = "approved"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(ImportFailed) as refused:
        import_text(empty_db, SYSTEM, text, "approved-without-budget.yaml")
    error = refused.value.errors[0]
    assert error["path"] == "service_agreements[0].status"
    assert "draft" in error["message"]
    assert empty_db.scalar(select(func.count()).select_from(ServiceAgreement)) == 0
