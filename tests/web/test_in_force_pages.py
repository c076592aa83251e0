"""The pages show the version in force: one row per agreement, newer drafts labelled for who
drafts them and hidden from the public, and a superseded version points to its successor."""

import re

from fastapi.testclient import TestClient

from app.web.deps import LANG_COOKIE, SESSION_COOKIE
from tests.agreements import test_in_force as base
from tests.agreements.test_in_force import CODE, Amended, _approve_v2

amended = base.amended  # the fixture: v1 approved from 12.12.2014, v2 drafted


def _as(client: TestClient, headers: dict[str, str] | None) -> None:
    """Browse as the user of ``headers`` (the API's session token is the page's cookie), or as
    the public."""
    client.base_url = "https://testserver"  # the session cookie is Secure
    client.cookies.clear()
    if headers:
        client.cookies.set(SESSION_COOKIE, headers["Authorization"].removeprefix("Bearer "))


def _rows_of(page: str) -> list[str]:
    """The versions of the agreement the list shows, as 'v1', 'v2' …"""
    return re.findall(rf"{CODE} (v\d+)", page)


def test_the_public_sees_one_row_per_agreement(client: TestClient, amended: Amended) -> None:
    _as(client, None)
    page = client.get("/agreements").text
    assert _rows_of(page) == ["v1"]  # the drafted v2 is not the public's
    _approve_v2(client, amended, "2015-07-01")
    page = client.get("/agreements").text
    assert _rows_of(page) == ["v2"]
    assert f'href="/agreements/{amended.v2["id"]}#versions">Aiemmat versiot' in page


def test_a_draft_amendment_is_listed_labelled_for_the_purchaser(
        client: TestClient, amended: Amended) -> None:
    _as(client, amended.director)
    page = client.get("/agreements").text
    assert _rows_of(page) == ["v1", "v2"]
    assert "Luonnos – versio 2" in page
    draft = client.get(f"/agreements/{amended.v2['id']}").text
    assert "Luonnos – ei hyväksytty" in draft
    _as(client, None)
    assert client.get(f"/agreements/{amended.v2['id']}").status_code == 404


def test_the_superseded_version_points_to_the_version_in_force(
        client: TestClient, amended: Amended) -> None:
    _approve_v2(client, amended, "2015-07-01")
    _as(client, None)
    old = client.get(f"/agreements/{amended.v1}").text
    assert ("Tämä versio on korvattu; voimassa oleva versio: v2 (voimassa 1.7.2015 alkaen)"
            in old)
    assert f'<a href="/agreements/{amended.v2["id"]}">Näytä versio v2</a>' in old
    client.cookies.set(LANG_COOKIE, "sv")
    new = client.get(f"/agreements/{amended.v2['id']}").text
    assert "I kraft från och med 1.7.2015" in new


def test_the_overview_labels_the_draft_and_gives_it_no_lights(
        client: TestClient, amended: Amended) -> None:
    _as(client, amended.director)
    page = client.get(f"/purchaser?board={amended.board_id}&year=2015").text
    draft = page.split(f'id="sa-{amended.v2["id"]}"', 1)[1].split("</section>", 1)[0]
    assert "Luonnos – versio 2" in draft
    assert 'class="light' not in draft
    counted = page.split(f'id="sa-{amended.v1}"', 1)[1].split("</section>", 1)[0]
    assert 'class="light' in counted
