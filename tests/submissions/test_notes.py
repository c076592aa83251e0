"""The conversation about a value that misses its target: the provider's explanation and
corrective action with its date, the purchaser's answer, kept as written, in the follow-up
report and its decision proposal."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import Role
from app.indicators.models import IndicatorValue
from app.organisations.models import Provider
from app.submissions.models import DeviationNote
from tests.helpers import auth, create, create_user
from tests.reports.helpers import Demo, pdf_text, small_world

API = "/api/v1"


def _red_value(db: Session) -> tuple[Demo, IndicatorValue]:
    """small_world's measure: 2015-T1 at 70 against 80 (higher is better): red."""
    demo = small_world(db)
    value = db.scalars(select(IndicatorValue).where(IndicatorValue.period == "2015-T1")).one()
    return demo, value


def test_provider_explains_and_names_an_action_the_purchaser_answers_report_shows_it(
        client: TestClient, db: Session) -> None:
    demo, value = _red_value(db)
    municipality = demo.municipality
    provider_id = db.scalars(select(Provider.id)).one()
    reporter = auth(db, create_user(db, Role.provider_reporter, municipality, provider_id))
    director = auth(db, create_user(db, Role.purchaser_director, municipality))
    url = f"{API}/indicator-values/{value.id}/notes"

    explained = client.post(url, headers=reporter, json={
        "kind": "explanation", "text": "Kaksi ohjaajaa sairaslomalla."})
    assert explained.status_code == 201, explained.text
    action = client.post(url, headers=reporter, json={
        "kind": "corrective_action", "text": "Sijaiset palkataan.", "action_due": "2015-06-30"})
    assert action.status_code == 201, action.text
    assert action.json()["action_due"] == "2015-06-30"
    assert action.json()["author_role"] == "provider_reporter"
    answer = client.post(url, headers=director, json={"kind": "answer",
                                                      "text": "Seurataan T2:lla."})
    assert answer.status_code == 201, answer.text

    thread = client.get(url, headers=director).json()
    assert [n["kind"] for n in thread] == ["explanation", "corrective_action", "answer"]

    # The follow-up report's data and preview carry the thread of the red measure.
    preview = client.get(f"{API}/reports/follow-up", headers=director, params={
        "board_id": demo.board.id, "period": "2015-T1", "format": "html"})
    assert preview.status_code == 200
    assert "Sijaiset palkataan." in preview.text
    assert "Seurataan T2:lla." in preview.text
    assert "30.6.2015" in preview.text


def test_a_corrective_action_needs_its_date_and_each_side_writes_its_own_kind(
        client: TestClient, db: Session) -> None:
    demo, value = _red_value(db)
    municipality = demo.municipality
    provider_id = db.scalars(select(Provider.id)).one()
    reporter = auth(db, create_user(db, Role.provider_reporter, municipality, provider_id))
    director = auth(db, create_user(db, Role.purchaser_director, municipality))
    url = f"{API}/indicator-values/{value.id}/notes"

    undated = client.post(url, headers=reporter, json={"kind": "corrective_action",
                                                       "text": "Korjataan."})
    assert undated.status_code == 422
    assert undated.json()["errors"][0]["field"] == "action_due"
    assert client.post(url, headers=reporter, json={"kind": "accepted"}).status_code == 403
    assert client.post(url, headers=director, json={"kind": "explanation",
                                                    "text": "Ei"}).status_code == 403
    assert db.scalars(select(DeviationNote)).all() == []


def test_another_provider_does_not_see_the_value_and_a_board_member_may_not_post(
        client: TestClient, db: Session) -> None:
    demo, value = _red_value(db)
    municipality = demo.municipality
    other = create(db, Provider, municipality_id=municipality.id, code="P2", name="Toinen",
                   kind="company", business_id="0112038-9")
    stranger = auth(db, create_user(db, Role.provider_reporter, municipality, other.id))
    member = auth(db, create_user(db, Role.board_member, municipality,
                                  board_id=demo.board.id))
    url = f"{API}/indicator-values/{value.id}/notes"
    body = {"kind": "explanation", "text": "Selitys"}
    assert client.post(url, headers=stranger, json=body).status_code == 404
    assert client.get(url, headers=stranger).status_code == 404
    assert client.post(url, headers=member, json={"kind": "answer",
                                                  "text": "Hyvä"}).status_code == 403
    assert client.get(url, headers=member).status_code == 200


def test_notes_are_kept_as_written(client: TestClient, db: Session) -> None:
    demo, value = _red_value(db)
    municipality = demo.municipality
    provider_id = db.scalars(select(Provider.id)).one()
    reporter = auth(db, create_user(db, Role.provider_reporter, municipality, provider_id))
    url = f"{API}/indicator-values/{value.id}/notes"
    note = client.post(url, headers=reporter, json={"kind": "explanation", "text": "Alku"}).json()
    # No route changes or deletes a note: the thread's address answers only GET and POST.
    assert client.patch(url, headers=reporter, json={"text": "Muu"}).status_code == 405
    assert client.put(url, headers=reporter, json={"text": "Muu"}).status_code == 405
    assert client.delete(url, headers=reporter).status_code == 405
    assert db.get_one(DeviationNote, note["id"]).text == "Alku"
    # In the audit trail like every table: who wrote it and when.
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "deviation_notes")).one()
    assert (entry.action, entry.entity_id, entry.user) == (
        "create", note["id"], f"provider_reporter-109-{provider_id}")


def test_the_decision_proposal_is_printed_in_the_issued_report(
        client: TestClient, db: Session) -> None:
    demo = small_world(db)
    director = auth(db, create_user(db, Role.purchaser_director, demo.municipality))
    proposal = "Lautakunta merkitsee seurantaraportin tiedoksi."
    issued = client.post(f"{API}/reports/issued", headers=director, json={
        "kind": "follow_up", "board_id": demo.board.id, "period": "2015-T1",
        "decision_proposal": proposal})
    assert issued.status_code == 201, issued.text
    assert issued.json()["decision_proposal"] == proposal
    pdf = client.get(f"{API}/reports/issued/{issued.json()['id']}/pdf", headers=director)
    assert proposal in " ".join(pdf_text(pdf.content).split())


def test_a_render_job_keeps_the_decision_proposal_for_its_report(
        client: TestClient, db: Session) -> None:
    demo = small_world(db)
    director = auth(db, create_user(db, Role.purchaser_director, demo.municipality))
    job = client.post(f"{API}/reports/jobs", headers=director, json={
        "kind": "follow_up", "board_id": demo.board.id, "period": "2015-T1",
        "decision_proposal": "Merkitään tiedoksi."})
    assert job.status_code == 202, job.text
    assert job.json()["decision_proposal"] == "Merkitään tiedoksi."
    agreement = client.post(f"{API}/reports/issued", headers=director, json={
        "kind": "agreement", "service_agreement_id": demo.agreement.id,
        "decision_proposal": "Ei kuulu tähän."})
    assert agreement.status_code == 422
