"""Every route × every role × own and foreign object, against one policy table.

The table below is the policy: what each role gets on each route, for an object of its own
(municipality 109, its board, its provider) and for a foreign one (municipality 837). A route
of the app that has no entry here fails the suite, so a new route cannot go unreviewed.
"""

from collections.abc import Callable
from datetime import date
from itertools import count
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.auth.models import Role
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.crud import etag
from app.demo import CONTRACTS
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region
from app.submissions.models import ReportingDeadline
from tests.auth.routes import api_routes
from tests.helpers import auth, create, create_user

ROLES = ["admin", "purchaser_director", "purchaser_manager", "provider_reporter", "board_member",
         "public"]
OK = "ok"  # 200/201/204 (or 409 when a delete is refused because others refer to the object)

# What each kind of route answers, per role: (own object, foreign object).
EXPECT: dict[str, dict[str, tuple[Any, Any]]] = {
    "list": {r: (200, 200) for r in ROLES},  # foreign rows are checked to be absent
    "list-private": {**{r: (200, 200) for r in ROLES}, "public": (401, 401)},
    "master-read": {**{r: (200, 404) for r in ROLES}, "public": (200, 200)},
    "master-write": {"admin": (OK, 404), "purchaser_director": (OK, 404),
                     "purchaser_manager": (403, 404), "provider_reporter": (403, 404),
                     "board_member": (403, 404), "public": (401, 401)},
    "master-create": {"admin": (OK, 422), "purchaser_director": (OK, 422),
                      "purchaser_manager": (403, 422), "provider_reporter": (403, 422),
                      "board_member": (403, 422), "public": (401, 401)},
    "municipality-read": {**{r: (200, 404) for r in ROLES}, "public": (200, 200)},
    "municipality-write": {**{r: (403, 404) for r in ROLES}, "public": (401, 401)},
    # deleting a municipality: a fresh one, which no tenant user can see
    "municipality-delete": {**{r: (404, 404) for r in ROLES}, "public": (401, 401)},
    "municipality-create": {**{r: (403, 403) for r in ROLES}, "public": (401, 401)},
    # Drafts: the public sees agreements only once approved.
    "content-read": {**{r: (200, 404) for r in ROLES}, "public": (404, 404)},
    "content-read-private": {**{r: (200, 404) for r in ROLES}, "public": (401, 401)},
    "audit-read": {"admin": (200, 404), "purchaser_director": (200, 404),
                   "purchaser_manager": (200, 404), "provider_reporter": (403, 404),
                   "board_member": (403, 404), "public": (401, 401)},
    "audit-list": {"admin": (200, 200), "purchaser_director": (200, 200),
                   "purchaser_manager": (200, 200), "provider_reporter": (403, 403),
                   "board_member": (403, 403), "public": (401, 401)},
    "content-write": {"admin": (OK, 404), "purchaser_director": (OK, 404),
                      "purchaser_manager": (OK, 404), "provider_reporter": (403, 404),
                      "board_member": (403, 404), "public": (401, 401)},
    "content-create": {"admin": (OK, 422), "purchaser_director": (OK, 422),
                       "purchaser_manager": (OK, 422), "provider_reporter": (403, 422),
                       "board_member": (403, 422), "public": (401, 401)},
    # a fresh framework or budget that none of the provider's agreements refer to is not his
    "unlinked-delete": {"admin": (OK, 404), "purchaser_director": (OK, 404),
                        "purchaser_manager": (OK, 404), "provider_reporter": (404, 404),
                        "board_member": (403, 404), "public": (401, 401)},
    "value-read": {**{r: (200, 404) for r in ROLES}, "public": (401, 401)},
    "value-write": {"admin": (OK, 404), "purchaser_director": (OK, 404),
                    "purchaser_manager": (OK, 404), "provider_reporter": (OK, 404),
                    "board_member": (403, 404), "public": (401, 401)},
    "value-create": {"admin": (OK, 422), "purchaser_director": (OK, 422),
                     "purchaser_manager": (OK, 422), "provider_reporter": (OK, 422),
                     "board_member": (403, 422), "public": (401, 401)},
    "self": {**{r: (OK, OK) for r in ROLES}, "public": (401, 401)},
    "admin-only": {**{r: (403, 403) for r in ROLES}, "admin": (200, 200), "public": (401, 401)},
    "import": {"admin": (OK, 404), "purchaser_director": (OK, 404), "purchaser_manager": (OK, 404),
               # who may import at all is checked before the file is read: 403 for any file
               "provider_reporter": (403, 403), "board_member": (403, 403),
               "public": (401, 401)},
    "export": {"admin": (OK, 404), "purchaser_director": (OK, 404), "purchaser_manager": (OK, 404),
               "provider_reporter": (403, 404), "board_member": (OK, 404), "public": (401, 401)},
}

# path of each CRUD resource -> (world key, kind)
RESOURCES = {
    "/api/v1/municipalities": ("municipality", "municipality"),
    "/api/v1/boards": ("board", "master"),
    "/api/v1/purchaser-units": ("unit", "master"),
    "/api/v1/regions": ("region", "master"),
    "/api/v1/providers": ("provider", "master"),
    "/api/v1/service-areas": ("area", "master"),
    "/api/v1/product-groups": ("group", "master"),
    "/api/v1/products": ("product", "master"),
    "/api/v1/framework-agreements": ("framework", "content"),
    "/api/v1/perspectives": ("perspective", "content"),
    "/api/v1/long-term-goals": ("ltg", "content"),
    "/api/v1/order-budgets": ("budget", "content"),
    "/api/v1/order-budget-lines": ("line", "content"),
    "/api/v1/service-agreements": ("agreement", "content"),
    "/api/v1/goals": ("goal", "content"),
    "/api/v1/actions": ("action", "content"),
    "/api/v1/resources": ("resource", "content"),
    "/api/v1/measures": ("measure", "content"),
    "/api/v1/indicator-values": ("value", "value"),
    "/api/v1/reporting-deadlines": ("deadline", "content"),
    "/api/v1/deliveries": ("delivery", "value"),
}


def _policy() -> dict[tuple[str, str], tuple[str, str | None]]:
    """(method, path) -> (kind of expectation, world key)."""
    table: dict[tuple[str, str], tuple[str, str | None]] = {}
    for path, (key, kind) in RESOURCES.items():
        lst = "list-private" if kind == "value" else "list"
        table[("GET", path)] = (lst, key)
        table[("POST", path)] = (f"{kind}-create", key)
        table[("GET", path + "/{obj_id}")] = (f"{kind}-read", key)
        table[("PATCH", path + "/{obj_id}")] = (f"{kind}-write", key)
        table[("DELETE", path + "/{obj_id}")] = (f"{kind}-write", key)
    table[("DELETE", "/api/v1/municipalities/{obj_id}")] = ("municipality-delete", "municipality")
    table[("DELETE", "/api/v1/framework-agreements/{obj_id}")] = ("unlinked-delete", "framework")
    table[("DELETE", "/api/v1/order-budgets/{obj_id}")] = ("unlinked-delete", "budget")
    for path, key in (("/api/v1/framework-agreements", "framework"),
                      ("/api/v1/order-budgets", "budget"),
                      ("/api/v1/service-agreements", "agreement")):
        # the lifecycle (tests/agreements: transitions, amendments, diffs, carry-over)
        for sub in ("transitions", "comments", "versions", "versions/{number}"):
            table[("GET", f"{path}/{{obj_id}}/{sub}")] = ("content-read-private", key)
        table[("GET", f"{path}/{{obj_id}}/audit")] = ("audit-read", key)
        for sub in ("transitions", "comments", "amendments"):
            table[("POST", f"{path}/{{obj_id}}/{sub}")] = ("special", None)
    table.update({
        ("GET", "/api/v1/audit"): ("audit-list", None),
        # reports (tests/reports/test_router.py: who may issue and read, jobs, previews)
        ("GET", "/api/v1/reports/issued"): ("list-private", None),
        ("GET", "/api/v1/reports/issued/{report_id}"): ("special", None),
        ("GET", "/api/v1/reports/issued/{report_id}/pdf"): ("special", None),
        ("POST", "/api/v1/reports/issued"): ("special", None),
        ("GET", "/api/v1/reports/follow-up"): ("special", None),
        ("GET", "/api/v1/reports/agreement"): ("special", None),
        ("POST", "/api/v1/reports/jobs"): ("special", None),
        ("GET", "/api/v1/reports/jobs/{job_id}"): ("special", None),
        ("GET", "/api/v1/service-agreements/diff"): ("special", None),
        ("GET", "/api/v1/order-budgets/diff"): ("special", None),
        ("GET", "/api/v1/framework-agreements/diff"): ("special", None),
        ("POST", "/api/v1/service-agreements/{obj_id}/carry-over"): ("special", None),
        ("GET", "/api/v1/order-budgets/{obj_id}/totals"): ("content-read", "budget"),
        ("GET", "/api/v1/auth/me"): ("self", None),
        ("POST", "/api/v1/auth/logout"): ("self", None),
        ("POST", "/api/v1/auth/totp/setup"): ("self", None),
        ("POST", "/api/v1/auth/totp/confirm"): ("special", None),  # tests/auth/test_router.py
        ("GET", "/api/v1/auth/api-tokens"): ("self", None),
        ("POST", "/api/v1/auth/api-tokens"): ("self", None),
        ("DELETE", "/api/v1/auth/api-tokens/{token_id}"): ("special", None),  # test_router.py
        ("GET", "/api/v1/auth/users"): ("admin-only", None),
        ("POST", "/api/v1/auth/users"): ("special", None),  # test_router.py
        ("PATCH", "/api/v1/auth/users/{user_id}"): ("special", None),  # test_router.py
        ("GET", "/api/v1/auth/access-log"): ("admin-only", None),
        ("POST", "/api/v1/auth/token"): ("special", None),  # test_router.py
        ("POST", "/api/v1/contracts/import"): ("import", None),
        ("GET", "/api/v1/contracts/export"): ("export", None),
        ("GET", "/healthz"): ("special", None),  # public, no data
        # provider submissions (tests/submissions: reporters only their own, purchasers review)
        ("GET", "/api/v1/submissions/due"): ("self", None),
        ("GET", "/api/v1/indicator-values/{obj_id}/history"): ("value-read", "value"),
        ("GET", "/api/v1/service-agreements/{obj_id}/calendar"): ("content-read-private",
                                                                   "agreement"),
        ("POST", "/api/v1/submissions"): ("special", None),
        ("POST", "/api/v1/submissions/bulk"): ("special", None),
        ("GET", "/api/v1/submissions/template.xlsx"): ("special", None),
        ("GET", "/api/v1/submissions/export.csv"): ("special", None),
        ("POST", "/api/v1/indicator-values/{obj_id}/review"): ("special", None),
        ("GET", "/api/v1/boards/{obj_id}/overdue"): ("special", None),
        ("POST", "/api/v1/sotkanet/load"): ("special", None),
        # web pages: tests/web (same rules through app.auth.authz)
        ("GET", "/"): ("special", None),
        ("GET", "/login"): ("special", None),
        ("POST", "/login"): ("special", None),
        ("POST", "/logout"): ("special", None),
        ("GET", "/lang/{code}"): ("special", None),
        ("GET", "/agreements"): ("special", None),
        ("GET", "/agreements/{agreement_id}"): ("special", None),
        ("GET", "/reports"): ("special", None),  # tests/web/test_reports_pages.py
        ("GET", "/reports/{report_id}.pdf"): ("special", None),
        ("POST", "/reports/issue"): ("special", None),
        ("GET", "/reporting"): ("special", None),
        ("GET", "/reporting/template.xlsx"): ("special", None),
        ("GET", "/reporting/upload"): ("special", None),
        ("POST", "/reporting/upload"): ("special", None),
        ("GET", "/reporting/{measure_id}/{code}"): ("special", None),
        ("POST", "/reporting/{measure_id}/{code}"): ("special", None),
        ("GET", "/purchaser"): ("special", None),
        ("GET", "/purchaser/overdue"): ("special", None),
        ("GET", "/purchaser/review"): ("special", None),
        ("POST", "/purchaser/review/{value_id}"): ("special", None),
        ("POST", "/purchaser/agreements/{agreement_id}/amend"): ("special", None),
        ("GET", "/purchaser/compare"): ("special", None),
    })
    return table


POLICY = _policy()


def test_every_route_has_a_policy_entry() -> None:
    routes = {(m, p) for m, p, _ in api_routes()}
    missing = sorted(routes - POLICY.keys())
    assert missing == [], f"routes without an entry in the policy table: {missing}"
    stale = sorted(POLICY.keys() - routes)
    assert stale == [], f"policy entries for routes that no longer exist: {stale}"


# --- the worlds ------------------------------------------------------------------------------

def build_world(db: Session, code: str) -> dict[str, Any]:
    w: dict[str, Any] = {}
    m = w["municipality"] = create(db, Municipality, code=code, name_fi=f"Kunta {code}")
    mid = {"municipality_id": m.id}
    w["board"] = create(db, Board, **mid, code="LANULA", name_fi="Lautakunta")
    w["unit"] = create(db, PurchaserUnit, **mid, code="VAKA", name_fi="Varhaiskasvatus",
                       board_id=w["board"].id)
    w["region"] = create(db, Region, **mid, code="ALUE1", name_fi="Alue 1")
    w["provider"] = create(db, Provider, **mid, code="P1", name="Tuottaja", kind="company")
    w["area"] = create(db, ServiceArea, **mid, code="LNP", name_fi="Lapset")
    w["group"] = create(db, ProductGroup, service_area_id=w["area"].id, code="PH", name_fi="PH")
    w["product"] = create(db, Product, product_group_id=w["group"].id, code="PKH",
                          name_fi="Päiväkoti", unit="hoitopäivä")
    w["framework"] = create(db, FrameworkAgreement, board_id=w["board"].id, title="PS",
                            first_year=2013, last_year=2016)
    w["perspective"] = create(db, Perspective, framework_agreement_id=w["framework"].id,
                              position=1, name_fi="Tuottavuus")
    w["ltg"] = create(db, LongTermGoal, perspective_id=w["perspective"].id, code="1.1",
                      title="Tavoite", board_ids=[w["board"].id])
    w["budget"] = create(db, OrderBudget, board_id=w["board"].id, year=2015, title="TB")
    w["line"] = create(db, OrderBudgetLine, order_budget_id=w["budget"].id,
                       product_id=w["product"].id, provider_id=w["provider"].id, volume=10,
                       unit_price=5)
    w["agreement"] = create(db, ServiceAgreement, code="SA", framework_agreement_id=w[
        "framework"].id, provider_id=w["provider"].id, year=2015, title="SA",
        board_ids=[w["board"].id])
    w["goal"] = create(db, Goal, service_agreement_id=w["agreement"].id, code="1", title="G")
    w["action"] = create(db, Action, goal_id=w["goal"].id, description="Tehdään")
    w["resource"] = create(db, Resource, goal_id=w["goal"].id, kind="existing")
    w["measure"] = create(db, Measure, goal_id=w["goal"].id, code="M", name="M", unit="%",
                          direction="higher_is_better", frequency="tertial")
    w["value"] = create(db, IndicatorValue, measure_id=w["measure"].id, period="2015-T1",
                        value=5)
    w["deadline"] = create(db, ReportingDeadline, service_agreement_id=w["agreement"].id,
                           period="2015-T1", due_date=date(2015, 6, 15))
    w["delivery"] = create(db, Delivery, order_budget_line_id=w["line"].id, period="2015-T1",
                           volume=3, euros=15)
    return w


_n = count(1)


def create_body(key: str, db: Session, w: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A valid create body under world ``w`` (and its model), unique on every call."""
    n = next(_n)
    mid = w["municipality"].id
    bodies: dict[str, Callable[[], tuple[Any, dict[str, Any]]]] = {
        "municipality": lambda: (Municipality, {"code": f"{900 + n % 99}", "name_fi": "K"}),
        "board": lambda: (Board, {"municipality_id": mid, "code": f"B{n}", "name_fi": "B"}),
        "unit": lambda: (PurchaserUnit, {"municipality_id": mid, "code": f"U{n}", "name_fi": "U"}),
        "region": lambda: (Region, {"municipality_id": mid, "code": f"R{n}", "name_fi": "R"}),
        "provider": lambda: (Provider, {"municipality_id": mid, "code": f"PX{n}", "name": "P",
                                        "kind": "association"}),
        "area": lambda: (ServiceArea, {"municipality_id": mid, "code": f"A{n}", "name_fi": "A"}),
        "group": lambda: (ProductGroup, {"service_area_id": w["area"].id, "code": f"G{n}",
                                         "name_fi": "G"}),
        "product": lambda: (Product, {"product_group_id": w["group"].id, "code": f"T{n}",
                                      "name_fi": "T", "unit": "tunti"}),
        "framework": lambda: (FrameworkAgreement, {"board_id": w["board"].id, "title": "F",
                                                   "first_year": 1990 + n % 100,
                                                   "last_year": 1990 + n % 100}),
        "perspective": lambda: (Perspective, {"framework_agreement_id": w["framework"].id,
                                              "position": n % 98 + 2, "name_fi": "N"}),
        "ltg": lambda: (LongTermGoal, {"perspective_id": w["perspective"].id, "code": f"L{n}",
                                       "title": "L", "board_ids": [w["board"].id]}),
        "budget": lambda: (OrderBudget, {"board_id": w["board"].id, "year": 1990 + n % 100,
                                         "title": "B"}),
        "line": lambda: (OrderBudgetLine, {
            "order_budget_id": w["budget"].id, "provider_id": w["provider"].id,
            "product_id": create(db, Product, product_group_id=w["group"].id, code=f"X{n}",
                                 name_fi="X", unit="tunti").id, "volume": "1", "unit_price": "2"}),
        "agreement": lambda: (ServiceAgreement, {
            "code": f"S{n}", "framework_agreement_id": w["framework"].id,
            "provider_id": w["provider"].id, "year": 2015, "title": "S",
            "board_ids": [w["board"].id]}),
        "goal": lambda: (Goal, {"service_agreement_id": w["agreement"].id, "code": f"G{n}",
                                "title": "G"}),
        "action": lambda: (Action, {"goal_id": w["goal"].id, "description": "A"}),
        "resource": lambda: (Resource, {"goal_id": w["goal"].id, "kind": "transfer"}),
        "measure": lambda: (Measure, {"goal_id": w["goal"].id, "code": f"M{n}", "name": "M",
                                      "unit": "kpl", "direction": "lower_is_better",
                                      "frequency": "year"}),
        "deadline": lambda: (ReportingDeadline, {
            "service_agreement_id": create(db, ServiceAgreement, code=f"D{n}",
                                           framework_agreement_id=w["framework"].id,
                                           provider_id=w["provider"].id, year=2015, title="D",
                                           board_ids=[w["board"].id]).id,
            "period": "2015", "due_date": date(2016, 2, 15)}),
        "delivery": lambda: (Delivery, {
            "order_budget_line_id": w["line"].id, "period": f"2015-{n % 12 + 1:02d}",
            "volume": "1", "euros": "5.00"}),
        "value": lambda: (IndicatorValue, {
            "measure_id": create(db, Measure, goal_id=w["goal"].id, code=f"V{n}", name="V",
                                 unit="kpl", direction="lower_is_better",
                                 frequency="year").id, "period": "2015", "value": "1"}),
    }
    return bodies[key]()


def _status_ok(expected: Any, status: int, method: str) -> bool:
    if expected == OK:
        return status in {200, 201, 204} or (method == "DELETE" and status == 409)
    return bool(status == expected)


@pytest.mark.parametrize(("method", "path"), sorted(POLICY), ids=lambda v: str(v))
def test_route_answers_each_role_as_the_policy_says(
    client: TestClient, db: Session, method: str, path: str
) -> None:
    global _n
    _n = count(1)  # codes and years unique within the test
    kind, key = POLICY[(method, path)]
    if kind == "special":
        return  # covered by its own tests, named in the table
    own, foreign = build_world(db, "109"), build_world(db, "837")
    users = {
        "admin": create_user(db, Role.admin, own["municipality"], username="m-admin"),
        "purchaser_director": create_user(db, Role.purchaser_director, own["municipality"],
                                          username="m-director"),
        "purchaser_manager": create_user(db, Role.purchaser_manager, own["municipality"],
                                         username="m-manager", purchaser_unit_id=own["unit"].id),
        "provider_reporter": create_user(db, Role.provider_reporter, own["municipality"],
                                         provider_id=own["provider"].id, username="m-reporter"),
        "board_member": create_user(db, Role.board_member, own["municipality"],
                                    username="m-board", board_id=own["board"].id),
    }
    failures = []
    for role in ROLES:
        for side, world in (("own", own), ("foreign", foreign)):
            headers = auth(db, users[role]) if role != "public" else {}
            expected = EXPECT[kind][role][0 if side == "own" else 1]
            response = _request(client, db, method, path, key, kind, world, own, headers)
            if not _status_ok(expected, response.status_code, method):
                failures.append(f"{role}/{side}: expected {expected}, got "
                                f"{response.status_code} {response.text[:160]}")
            elif kind.startswith("list") and response.status_code == 200 and key:
                ids = {item["id"] for item in response.json()["items"]}
                if role != "public" and foreign[key].id in ids:
                    failures.append(f"{role}: the list shows another municipality's {key}")
                if role == "public" and RESOURCES[path][1] == "content" and own[key].id in ids:
                    failures.append(f"public: the list shows a draft {key}")
    assert failures == [], f"{method} {path}: " + "; ".join(failures)


def _request(client: TestClient, db: Session, method: str, path: str, key: str | None,
             kind: str, world: dict[str, Any], own: dict[str, Any],
             headers: dict[str, str]) -> Any:
    if kind == "import":
        text = (CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml").read_text(encoding="utf-8")
        if world is not own:
            text = text.replace('code: "109"', 'code: "837"', 1)
        return client.post(path, content=text.encode(), headers={
            **headers, "content-type": "application/yaml"})
    if kind == "export":
        code = world["municipality"].code
        return client.get(path, headers=headers,
                          params={"municipality": code, "board": "LANULA", "year": 2015})
    if key is None:
        body = {"name": "järjestelmä"} if path.endswith("api-tokens") else None
        return client.request(method, path, headers=headers, json=body)
    if method == "POST":
        _, body = create_body(key, db, world)
        return client.post(path, headers=headers, json=jsonable_encoder(body))
    target = world[key]
    path = path.replace("{number}", "1")
    if method == "DELETE":  # a fresh object of its own, so that others stay for the next role
        model, body = create_body(key, db, world)
        target = create(db, model, **body)
    url = path.replace("{obj_id}", str(target.id))
    db.refresh(target)  # an earlier role's update moved its row version on
    return client.request(method, url, headers={**headers, "If-Match": etag(target)},
                          json={} if method == "PATCH" else None)
