"""Hostile agreement-set files: refused early, within bounded memory and time, changing nothing."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.contracts import exporter, importer, loading
from app.contracts.loading import MAX_DEPTH, MAX_NODES, ImportFailed, parse
from app.demo import CONTRACTS
from tests.helpers import (
    ROOT,
    auth,
    create_board,
    create_municipality,
    create_user,
    record_loop_use,
)

YAML = {"content-type": "application/yaml"}
HAMEENLINNA = CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml"
# The alias bomb of the security probe had nine levels (9**9 strings, 23 GB); five levels (59 049
# strings) show the refusal without hurting the old code's test run.
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]" for p, c in zip("abcd", "bcde", strict=True)]
)


def refusal(text: str) -> dict[str, object]:
    with pytest.raises(ImportFailed) as failed:
        parse(text)
    [error] = failed.value.errors
    return error


def test_an_alias_bomb_is_refused_naming_the_alias_and_its_line() -> None:
    error = refusal(ALIAS_BOMB)
    assert error["message"] == ("anchors and aliases (&name, *name) are not allowed; "
                                "write the values out")
    assert error["line"] == 1


def test_too_many_values_and_too_deep_nesting_are_refused() -> None:
    many = refusal("[" + "0," * MAX_NODES + "0]")
    assert many["message"] == f"more than {MAX_NODES} values; split the file"
    deep = refusal("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert deep["message"] == f"nested deeper than {MAX_DEPTH} levels"


def test_a_file_over_the_size_cap_is_refused_before_it_is_parsed() -> None:
    error = refusal("#" * (loading.MAX_FILE_BYTES + 1))
    assert error["message"] == "the file is larger than 2 MiB; split it"


def test_the_cli_reads_no_further_than_the_size_cap(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as file:
        file.truncate(10 * 1024 ** 3)  # 10 GiB, sparse: reading it whole would take minutes
    with pytest.raises(ImportFailed) as failed:
        loading.read_file(huge)
    assert failed.value.errors[0]["message"] == "the file is larger than 2 MiB; split it"


def test_an_exported_set_imports_again_without_anchors(db: Session) -> None:
    importer.import_text(db, create_user(db), HAMEENLINNA.read_text(encoding="utf-8"))
    doc = exporter.build(db, ROOT, "109", "LANULA", 2015)
    doc.order_budget.lines.append(doc.order_budget.lines[0])  # the same object twice
    text = exporter.dump(doc)
    assert "&id" not in text and "*id" not in text
    assert parse(text).municipality.code == "109"


def test_the_api_answers_an_alias_bomb_with_422(client: TestClient, db: Session) -> None:
    h = auth(db, create_user(db, Role.admin, username="root"))
    response = client.post("/api/v1/contracts/import", headers={**h, **YAML},
                           content=ALIAS_BOMB.encode())
    assert response.status_code == 422
    assert "aliases" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("text", [ALIAS_BOMB, "{{{{ not: yaml", HAMEENLINNA.read_text("utf-8")])
def test_a_board_member_may_not_import_anything(client: TestClient, db: Session,
                                                text: str) -> None:
    municipality = create_municipality(db)
    member = create_user(db, Role.board_member, municipality,
                         board_id=create_board(db, municipality).id)
    response = client.post("/api/v1/contracts/import", headers={**auth(db, member), **YAML},
                           content=text.encode())
    assert response.status_code == 403


def test_the_import_parses_off_the_event_loop(client: TestClient, db: Session,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    loops = record_loop_use(monkeypatch, loading, "parse")
    h = auth(db, create_user(db, Role.admin, username="root"))
    response = client.post("/api/v1/contracts/import", headers={**h, **YAML},
                           content=HAMEENLINNA.read_bytes())
    assert response.status_code == 200
    assert loops and not any(loops)
