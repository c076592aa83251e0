"""The Hämeenlinna goal table (seed 000) comes back through the API, row by row."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.demo import CONTRACTS
from tests.helpers import auth, create_user

# The four rows of the seed's goal table: goal, responsible boards, a phrase of the actions,
# resources, a phrase of the evaluation measures.
SEED_ROWS = [
    ("Rakennettu ympäristö tukee lapsen ja nuoren terveyttä ja kokonaisvaltaista kehitystä",
     {"LANULA", "TETOLA", "IKLA", "YHLA", "ELALA"}, "Oppilaslähtöiset oppimisympäristöt",
     ["investment"], "Palvelusopimuksen mittarit"),
    ("Lapsen huomioon ottaminen aikuisten palveluissa", {"LANULA", "TETOLA"},
     "Lautakunnat asettavat yhteiset tavoitteet palvelusopimukseen", ["existing"],
     "Palvelusopimuksen mittarit"),
    ("Lapsen osaamiseen ja mielenkiinnon kohteisiin perustuvaa toimintaa on tarjolla "
     "peruspalveluissa", {"LANULA"}, "Jokaiselle lapselle tarjotaan mahdollisuus yhteen "
     "harrastukseen", ["bequest_funds"], "Lapsiystävällinen kunta"),
    ("Palvelurakenteen painopisteen siirtäminen varhaisiin ja kevyempiin palveluihin",
     {"LANULA", "TETOLA"}, "hyvinvointineuvolat ja Monari", ["transfer", "additional"],
     "Korjaavien palveluiden kustannukset"),
]
PERSPECTIVES = ["Tulevaisuuden kehitysyhteisöt", "Syrjäytymisen ehkäisy ja osallisuuden lisääminen",
                "Tuottavuus"]


def test_the_goal_table_reads_back_through_the_api(client: TestClient, db: Session) -> None:
    h = auth(db, create_user(db, Role.admin, username="root"))
    text = (CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml").read_bytes()
    imported = client.post("/api/v1/contracts/import", headers={**h, "content-type":
                                                                 "application/yaml"}, content=text)
    assert imported.status_code == 200, imported.text

    boards = {b["id"]: b["code"] for b in client.get("/api/v1/boards", headers=h).json()["items"]}
    framework = client.get("/api/v1/framework-agreements", headers=h,
                           params={"year": 2015}).json()["items"]
    assert [(f["first_year"], f["last_year"], boards[f["board_id"]]) for f in framework] == [
        (2013, 2016, "LANULA")]
    perspectives = client.get("/api/v1/perspectives", headers=h, params={
        "framework_agreement_id": framework[0]["id"]}).json()["items"]
    assert [p["name_fi"] for p in perspectives] == PERSPECTIVES

    goals = client.get("/api/v1/long-term-goals", headers=h, params={
        "framework_agreement_id": framework[0]["id"]}).json()["items"]
    by_title = {g["title"]: g for g in goals}
    for title, responsible, action, resources, evaluation in SEED_ROWS:
        goal = by_title[title]
        assert {boards[i] for i in goal["board_ids"]} == responsible, title
        assert action in goal["actions"], title
        assert goal["resources"] == resources, title
        assert evaluation in goal["evaluation"], title
    assert len(goals) == len(SEED_ROWS)

    joint = client.get("/api/v1/long-term-goals", headers=h, params={
        "board_id": next(i for i, c in boards.items() if c == "TETOLA")}).json()
    assert joint["total"] == 3  # TETOLA shares three of the four goals
