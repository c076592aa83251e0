"""The audit trail: every change by every writer, hash-chained, readable, never editable."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.agreements.models import LongTermGoal, Perspective, ServiceAgreement
from app.audit.chain import verify
from app.audit.models import AuditEntry
from app.auth.models import Role
from app.core.audit import SYSTEM_ACTOR, set_actor
from app.goals.models import Action, Goal
from app.indicators.models import IndicatorValue, MeasureTarget
from app.organisations.models import Board
from tests.agreements.flow import (
    DECISION,
    amend,
    approve,
    budget_for,
    import_hameenlinna,
    move,
    patch,
)
from tests.helpers import ROOT, auth, create, create_user, create_world

API = "/api/v1"


def _entries(db: Session, **where: Any) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def test_the_audit_trail_of_a_whole_lifecycle(client: TestClient, db: Session) -> None:
    w = create_world(db)
    budget_for(db, w)
    director = create_user(db, Role.purchaser_director, w["municipality"], username="johtaja")
    h = auth(db, director)
    sa = w["agreement"].id
    path = f"{API}/service-agreements/{sa}"
    ref = f"service_agreements:{sa}"

    response = client.patch(path, json={"title": "Palvelusopimus 2015"}, headers={
        **h, "If-Match": client.get(path, headers=h).headers["ETag"], "X-Request-ID": "req-42"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "req-42"
    move(client, h, path, "negotiation")
    move(client, h, path, "approved", **DECISION)
    v2 = amend(client, h, path)
    patch(client, h, f"{API}/service-agreements/{v2['id']}", {"description": "Muutos"})
    approve(client, h, f"{API}/service-agreements/{v2['id']}")

    trail = client.get(f"{API}/audit", headers=h, params={"agreement": ref, "limit": 500}).json()
    steps = [(e["action"], e["entity"], e["user"]) for e in trail["items"]]
    assert steps[:3] == [("create", "service_agreements", "root"), ("create", "goals", "root"),
                         ("create", "measures", "root")]
    assert ("update", "service_agreements", "johtaja") in steps
    edit = next(e for e in trail["items"] if e["action"] == "update")
    assert (edit["before"], edit["after"]) == ({"title": "Palvelusopimus"},
                                                {"title": "Palvelusopimus 2015"})
    assert edit["request_id"] == "req-42" and edit["municipality_id"] == w["municipality"].id
    moves = [(e["before"], e["after"]) for e in trail["items"] if e["action"] == "transition"]
    assert moves == [({"status": "draft"}, {"status": "negotiation"}),
                     ({"effective_from": None, "status": "negotiation"},
                      {"effective_from": "2014-12-12", "status": "approved"}),
                     ({"status": "approved"}, {"status": "superseded"})]
    decision = next(e for e in trail["items"] if e["entity"] == "agreement_transitions"
                    and e["after"]["to_status"] == "approved")
    assert decision["after"]["article_number"] == "145"
    assert decision["after"]["event_date"] == "2014-12-12"
    assert trail["items"] == client.get(f"{path}/audit", headers=h,
                                        params={"limit": 500}).json()["items"]
    v2_trail = client.get(f"{API}/audit", headers=h, params={
        "agreement": f"service_agreements:{v2['id']}", "action": "create",
        "entity": "measures"}).json()
    assert v2_trail["total"] == 1 and v2_trail["items"][0]["user"] == "johtaja"
    mine = client.get(f"{API}/audit", headers=h, params={"user": "johtaja", "limit": 500}).json()
    assert mine["total"] > 0 and {e["user"] for e in mine["items"]} == {"johtaja"}
    since = trail["items"][-1]["at"]
    assert client.get(f"{API}/audit", headers=h, params={
        "since": since, "agreement": ref}).json()["total"] >= 1
    assert client.get(f"{API}/audit", headers=h, params={
        "until": "2000-01-01T00:00:00Z", "agreement": ref}).json()["total"] == 0

    assert verify(db.connection()).ok
    # Someone with database access makes the approval look like a closing.
    tampered = next(e for e in trail["items"] if e["action"] == "transition")
    db.execute(text("UPDATE audit_entries SET after = :after WHERE id = :id"),
               {"after": '{"status": "closed"}', "id": tampered["id"]})
    result = verify(db.connection())
    assert not result.ok and result.broken_id == tampered["id"]
    assert "altered" in result.reason


def test_removing_entries_breaks_the_chain(db: Session) -> None:
    w = create_world(db)
    assert verify(db.connection()).entries == len(_entries(db))
    # One municipality's chain (a provider's Y-tunnus also writes its organisation, a row of
    # the installation's chain).
    entries = _entries(db, chain=w["municipality"].id)
    assert len(entries) >= 7
    db.execute(delete(AuditEntry).where(AuditEntry.id == entries[-1].id))  # cut off the end
    result = verify(db.connection())
    assert not result.ok and result.broken_id is None and "removed from its end" in result.reason
    db.execute(delete(AuditEntry).where(AuditEntry.id == entries[2].id))  # and one in the middle
    result = verify(db.connection())
    assert not result.ok and result.broken_id == entries[3].id and "removed" in result.reason


def test_every_writer_is_recorded(db: Session) -> None:
    import_hameenlinna(db)  # the importer, as the demo user
    assert {e.user for e in _entries(db)} == {"demo"}
    goal = db.scalars(select(Goal).where(Goal.code == "2")).first()
    assert goal is not None
    db.info.pop("actor", None)
    db.add(Action(goal_id=goal.id, municipality_id=goal.municipality_id, position=9,
                  description="Suoraan tietokantaan", created_by="skripti", updated_by="skripti"))
    db.flush()  # a plain ORM write: attributed to its row
    assert _entries(db, entity="actions")[-1].user == "skripti"
    count = db.scalar(select(func.count()).select_from(MeasureTarget))
    db.execute(delete(MeasureTarget).where(MeasureTarget.year == 2016))  # a bulk statement
    deleted = _entries(db, entity="measure_targets", action="delete")
    assert len(deleted) == count - db.scalar(select(func.count()).select_from(MeasureTarget)) > 0
    assert deleted[0].before is not None and deleted[0].before["year"] == 2016
    assert deleted[0].user == SYSTEM_ACTOR and deleted[0].agreement is not None
    assert verify(db.connection()).ok


def test_cascaded_deletes_are_recorded(client: TestClient, db: Session) -> None:
    w = create_world(db)
    h = auth(db, create_user(db, Role.purchaser_manager, w["municipality"]))
    path = f"{API}/service-agreements/{w['agreement'].id}"
    response = client.delete(path, headers={**h, "If-Match": client.get(path, headers=h).headers["ETag"]})
    assert response.status_code == 204, response.text
    gone = {(e.entity, e.entity_id) for e in _entries(db, action="delete")}
    assert gone == {("service_agreements", w["agreement"].id), ("goals", w["goal"].id),
                    ("measures", w["measure"].id)}
    assert db.get(ServiceAgreement, w["agreement"].id) is None


def test_reading_the_trail_is_for_the_purchaser_of_the_same_municipality(
    client: TestClient, db: Session
) -> None:
    ours, theirs = create_world(db, "109"), create_world(db, "837")
    board_member = auth(db, create_user(db, Role.board_member, ours["municipality"],
                                        board_id=ours["board"].id))
    assert client.get(f"{API}/audit", headers=board_member).status_code == 403
    manager = auth(db, create_user(db, Role.purchaser_manager, ours["municipality"]))
    seen = client.get(f"{API}/audit", headers=manager, params={"limit": 500}).json()
    assert seen["total"] > 0
    assert {e["municipality_id"] for e in seen["items"]} == {ours["municipality"].id}
    hidden = client.get(f"{API}/audit", headers=manager, params={
        "entity": "boards", "entity_id": theirs["board"].id})
    assert hidden.json()["total"] == 0
    admin = auth(db, create_user(db, Role.admin))
    everything = client.get(f"{API}/audit", headers=admin, params={"limit": 500}).json()
    assert everything["total"] > seen["total"]
    entry = seen["items"][0]["id"]
    for method in ("patch", "put", "delete"):
        # No route reads or changes one entry: the trail is only listed, never edited.
        assert client.request(method, f"{API}/audit/{entry}", headers=admin).status_code == 404
    assert client.post(f"{API}/audit", headers=admin, json={}).status_code == 405
    assert client.get(f"{API}/audit", headers=admin,
                      params={"agreement": "x; drop table"}).status_code == 422


def test_a_flush_that_fails_leaves_no_entry(db: Session) -> None:
    w = create_world(db)
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    try:
        with db.begin_nested():
            db.add(Board(municipality_id=w["municipality"].id, code="LANULA", name_fi="Kaksoiskappale",
                         created_by=ROOT.username, updated_by=ROOT.username))
            db.flush()
    except Exception:  # the duplicate code violates the unique key
        pass
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert verify(db.connection()).ok


def test_bulk_inserts_and_updates_are_recorded_with_their_rows(db: Session) -> None:
    w = create_world(db)
    measure = w["measure"]
    rows = [{"measure_id": measure.id, "municipality_id": measure.municipality_id,
             "lineage": measure.lineage, "period": p, "period_start": start,
             "period_end": end, "value": v,
             "created_by": "lataus", "updated_by": "lataus"}
            for p, start, end, v in (("2015-T1", date(2015, 1, 1), date(2015, 4, 30), 10),
                                     ("2015-T2", date(2015, 1, 1), date(2015, 8, 31), 20))]
    set_actor(db, "raportoija")  # as the API does for the user of the request
    db.execute(insert(IndicatorValue), rows)
    created = _entries(db, entity="indicator_values", action="create")
    stored = dict(db.execute(select(IndicatorValue.period, IndicatorValue.id)).all())
    assert [(e.entity_id, e.after["value"], e.user) for e in created] == [
        (stored["2015-T1"], "10.0000", "raportoija"),
        (stored["2015-T2"], "20.0000", "raportoija")]
    assert created[0].agreement == f"service_agreements:{w['agreement'].id}"
    db.execute(update(IndicatorValue).where(IndicatorValue.period == "2015-T2")
               .values(comment="korjattu"))
    changed = _entries(db, entity="indicator_values", action="update")
    assert [(e.entity_id, e.before, e.after) for e in changed] == [
        (stored["2015-T2"], {"comment": None}, {"comment": "korjattu"})]
    assert verify(db.connection()).ok


def test_an_executemany_update_naming_rows_by_id_records_those_rows_only(db: Session) -> None:
    w = create_world(db)
    measure = w["measure"]
    db.execute(insert(IndicatorValue), [
        {"measure_id": measure.id, "municipality_id": measure.municipality_id, "period": p,
         "lineage": measure.lineage, "period_start": date(2015, 1, 1), "period_end": end,
         "value": 1,
         "created_by": "lataus", "updated_by": "lataus"}
        for p, end in (("2015-T1", date(2015, 4, 30)), ("2015-T2", date(2015, 8, 31)),
                       ("2015-T3", date(2015, 12, 31)))])
    ids = {period: id_ for period, id_ in db.execute(select(IndicatorValue.period,
                                                              IndicatorValue.id))}
    db.execute(update(IndicatorValue).where(IndicatorValue.id == bindparam("b_id"))
               .values(comment=bindparam("b_comment"))
               .execution_options(dml_strategy="core_only"),
               [{"b_id": ids["2015-T1"], "b_comment": "yksi"},
                {"b_id": ids["2015-T3"], "b_comment": "kolme"}])
    changed = _entries(db, entity="indicator_values", action="update")
    assert [(e.entity_id, e.before, e.after) for e in changed] == [
        (ids["2015-T1"], {"comment": None}, {"comment": "yksi"}),
        (ids["2015-T3"], {"comment": None}, {"comment": "kolme"})]
    assert {e.agreement for e in changed} == {f"service_agreements:{w['agreement'].id}"}
    assert verify(db.connection()).ok


def test_links_dropped_with_a_deleted_row_are_recorded(client: TestClient, db: Session) -> None:
    w = create_world(db)
    m = w["municipality"]
    tetola = create(db, Board, municipality_id=m.id, code="TETOLA", name_fi="Terveyslautakunta")
    perspective = create(db, Perspective, framework_agreement_id=w["framework"].id, position=1,
                         name_fi="Tuottavuus")
    goal = create(db, LongTermGoal, perspective_id=perspective.id, code="3.1", title="Yhteinen",
                  board_ids=[w["board"].id, tetola.id])
    h = auth(db, create_user(db, Role.admin, m))
    path = f"{API}/boards/{tetola.id}"
    response = client.delete(path, headers={**h, "If-Match": client.get(path, headers=h).headers["ETag"]})
    assert response.status_code == 204, response.text
    link = _entries(db, entity="long_term_goals", action="update")[-1]
    assert (link.entity_id, link.before, link.after) == (
        goal.id, {"board_ids": sorted([w["board"].id, tetola.id])}, {"board_ids": [w["board"].id]})
    assert link.agreement == f"framework_agreements:{w['framework'].id}"
