"""The conversation about a miss on the pages: the provider names a corrective action with its
date on the value page, the purchaser sees it on the review card and the overview and answers;
the decision proposal written on the publishing confirmation."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reports.models import IssuedReport
from app.submissions.models import DeviationNote, NoteKind
from tests.web.test_pages import csrf_of, post_form, reporting_world, web_login


def test_corrective_action_on_the_value_page_and_the_answer_on_the_review_card(
        client: TestClient, db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "raportoija")
    path = f"/reporting/{w['measure'].id}/2015-T1"
    assert post_form(client, path, {"value": "70", "comment": "Sairauslomia"}).status_code == 303
    page = client.get(path).text
    assert "Poikkeama ja korjaavat toimenpiteet" in page  # 70 % against 80 %: the form shows
    undated = client.post(f"{path}/notes", data={
        "csrf": csrf_of(page), "kind": "corrective_action", "text": "Sijaiset"})
    assert undated.status_code == 422
    assert "Anna korjaavalle toimenpiteelle määräpäivä." in undated.text
    saved = client.post(f"{path}/notes", data={
        "csrf": csrf_of(page), "kind": "corrective_action", "text": "Sijaiset palkataan",
        "action_due": "2015-06-30"}, follow_redirects=False)
    assert saved.status_code == 303
    assert "Sijaiset palkataan" in client.get(saved.headers["location"]).text
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})

    web_login(client, "tilaaja")
    review = client.get("/purchaser/review").text
    assert "Korjaava toimenpide, määräpäivä 30.6.2015" in review
    value_id = db.scalars(select(DeviationNote.indicator_value_id)).one()
    answered = client.post(f"/purchaser/review/{value_id}/notes", data={
        "csrf": csrf_of(review), "kind": "answer", "text": "Seurataan"}, follow_redirects=False)
    assert answered.status_code == 303
    assert [(n.kind, n.created_by) for n in db.scalars(
        select(DeviationNote).order_by(DeviationNote.id))] == [
        (NoteKind.corrective_action, "raportoija"), (NoteKind.answer, "tilaaja")]
    assert "Sijaiset palkataan" in client.get(f"/purchaser?board={w['board'].id}").text


def test_the_decision_proposal_is_kept_with_the_issued_report(client: TestClient,
                                                              db: Session) -> None:
    client.base_url = "https://testserver"
    w = reporting_world(db)
    web_login(client, "tilaaja")
    preview = client.get(f"/reports/preview?board_id={w['board'].id}&period=2015-T1").text
    assert 'name="decision_proposal"' in preview
    issued = client.post("/reports/issue", data={
        "csrf": csrf_of(preview), "board_id": str(w["board"].id), "period": "2015-T1",
        "language": "fi", "confirm": "1", "decision_proposal": "Merkitään tiedoksi."},
        follow_redirects=False)
    assert issued.status_code == 303
    assert db.scalars(select(IssuedReport.decision_proposal)).one() == "Merkitään tiedoksi."
