"""Every route × every role × own and foreign object, generated from the routes' declarations.

Each route declares who may call it (app.auth.policy). From that declaration alone: the public
gets 401 (the pages: the login page) and a role not declared 403, before any body or object is
looked at. A declared role gets the route's success status on an object of its own
(municipality 109, its board, its provider) and 404 on a foreign one (municipality 837): how to
call each route is in CALLS below, and a route missing from it fails the suite, as does a route
without a declaration.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import count
from typing import Any

import pyotp
import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.agreements.models import FrameworkAgreement, LongTermGoal, Perspective, ServiceAgreement
from app.auth import access, ratelimit
from app.auth.authz import MASTER_DATA
from app.auth.models import Role, User
from app.auth.policy import Declaration, declaration_of
from app.auth.service import create_api_token, start_session
from app.budgets.models import Delivery, OrderBudget, OrderBudgetLine
from app.catalogue.models import Product, ProductGroup, ServiceArea
from app.core.db import open_session
from app.core.settings import get_settings
from app.core.writes import etag
from app.demo import CONTRACTS
from app.goals.models import Action, Goal, Resource
from app.indicators.models import IndicatorValue, Measure
from app.lifecycle import transitions
from app.main import app
from app.organisations.models import Board, Municipality, Provider, PurchaserUnit, Region
from app.pricelists.models import ItemDelivery, OrderLineItem, PriceCoefficient, PriceItem, PriceList
from app.reports.models import IssuedReport, RenderJob
from app.submissions.models import BulkJob, ReportingDeadline
from app.vouchers.models import VoucherProvider, VoucherReport, VoucherScheme, VoucherValue
from app.web.deps import SESSION_COOKIE
from tests.auth.routes import api_routes
from tests.helpers import PASSWORD, ROOT, auth, create, create_user

ROLES = ["admin", "purchaser_director", "purchaser_manager", "provider_reporter", "board_member"]
ROUTES = {(m, p): dependant for m, p, dependant in api_routes()}

# path of each CRUD resource -> world key
RESOURCES = {
    "/api/v1/municipalities": "municipality",
    "/api/v1/boards": "board",
    "/api/v1/purchaser-units": "unit",
    "/api/v1/regions": "region",
    "/api/v1/providers": "provider",
    "/api/v1/service-areas": "area",
    "/api/v1/product-groups": "group",
    "/api/v1/products": "product",
    "/api/v1/framework-agreements": "framework",
    "/api/v1/perspectives": "perspective",
    "/api/v1/long-term-goals": "ltg",
    "/api/v1/order-budgets": "budget",
    "/api/v1/order-budget-lines": "line",
    "/api/v1/service-agreements": "agreement",
    "/api/v1/goals": "goal",
    "/api/v1/actions": "action",
    "/api/v1/resources": "resource",
    "/api/v1/measures": "measure",
    "/api/v1/indicator-values": "value",
    "/api/v1/reporting-deadlines": "deadline",
    "/api/v1/deliveries": "delivery",
    "/api/v1/voucher-schemes": "scheme",
    "/api/v1/voucher-values": "voucher_value",
    "/api/v1/voucher-providers": "voucher_provider",
    "/api/v1/voucher-reports": "voucher_report",
    "/api/v1/price-lists": "price_list",
    "/api/v1/price-coefficients": "price_coefficient",
    "/api/v1/price-items": "price_item",
    "/api/v1/order-line-items": "line_item",
    "/api/v1/item-deliveries": "item_delivery",
}
LIFECYCLE = {"/api/v1/framework-agreements": "framework", "/api/v1/order-budgets": "budget",
             "/api/v1/service-agreements": "agreement"}
DECISION = {"organization": "Lautakunta", "event_date": "2015-01-20", "article_number": "§ 5",
            "register_id": "HML/1/2015"}


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
    w["scheme"] = create(db, VoucherScheme, board_id=w["board"].id, product_id=w["product"].id,
                         code="SETELI", year=2015, name_fi="Seteli", value_rule="income_table",
                         budget_euros=1000)
    w["voucher_value"] = create(db, VoucherValue, scheme_id=w["scheme"].id, income_band="I",
                                household_size=1, value=20)
    w["voucher_provider"] = create(db, VoucherProvider, scheme_id=w["scheme"].id,
                                   provider_id=w["provider"].id, applied_on=date(2014, 11, 1),
                                   approved_on=date(2014, 12, 1), decision="LANULA 1.12.2014 § 5")
    w["voucher_report"] = create(db, VoucherReport, voucher_provider_id=w["voucher_provider"].id,
                                 period="2015-T1", vouchers_granted=10, vouchers_used=8,
                                 euros=160, customers=4)
    _price_world(db, w)
    return w


def _price_world(db: Session, w: dict[str, Any]) -> None:
    """A price list of 2015, one class, one item, a line of the budget priced by it with the
    item ordered and delivered in a month."""
    w["price_list"] = create(db, PriceList, board_id=w["board"].id, code="HINNASTO", year=2015,
                             name_fi="Hinnasto", reference_code="SFA10",
                             reference_name="täyte", base_price=40)
    w["price_coefficient"] = create(db, PriceCoefficient, price_list_id=w["price_list"].id,
                                    coefficient="vaativuus", class_code="1", factor="1.5")
    w["price_item"] = create(db, PriceItem, price_list_id=w["price_list"].id, code="SFA10",
                             name_fi="Täyte", reference_units=1, classes={"vaativuus": "1"})
    w["priced_line"] = create(db, OrderBudgetLine, order_budget_id=w["budget"].id,
                              product_id=create(db, Product, product_group_id=w["group"].id,
                                                code="HAMMAS", name_fi="Hammas",
                                                unit="toimenpide").id,
                              provider_id=w["provider"].id, price_list_id=w["price_list"].id)
    w["line_item"] = create(db, OrderLineItem, order_budget_line_id=w["priced_line"].id,
                            item_id=w["price_item"].id, volume=10)
    w["item_delivery"] = create(db, ItemDelivery, order_budget_line_id=w["priced_line"].id,
                                item_id=w["price_item"].id, period="2015-01", volume=2)


def _new_item(db: Session, w: dict[str, Any], n: int) -> int:
    item: PriceItem = create(db, PriceItem, price_list_id=w["price_list"].id, code=f"I{n}",
                             name_fi="I", reference_units=1)
    return item.id


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
        "delivery": lambda: (Delivery, {  # a line of its own: periods of a line do not overlap
            "order_budget_line_id": create(db, OrderBudgetLine, **create_body("line", db, w)[1]).id,
            "period": f"2015-{n % 12 + 1:02d}", "volume": "1", "euros": "5.00"}),
        "scheme": lambda: (VoucherScheme, {
            "board_id": w["board"].id, "product_id": w["product"].id, "code": f"VS{n}",
            "year": 2015, "name_fi": "S", "value_rule": "income_table", "budget_euros": "100.00"}),
        "voucher_value": lambda: (VoucherValue, {"scheme_id": w["scheme"].id, "income_band": f"B{n}",
                                                 "household_size": 2, "value": "15.00"}),
        "voucher_provider": lambda: (VoucherProvider, {
            "scheme_id": w["scheme"].id, "applied_on": date(2015, 1, 2),
            "provider_id": create(db, Provider, municipality_id=mid, code=f"VP{n}", name="V",
                                  kind="company").id}),
        "voucher_report": lambda: (VoucherReport, {  # a scheme of its own: periods do not overlap
            "voucher_provider_id": create(
                db, VoucherProvider, scheme_id=create(db, VoucherScheme, **create_body(
                    "scheme", db, w)[1]).id, provider_id=w["provider"].id,
                applied_on=date(2014, 1, 1), approved_on=date(2014, 2, 1)).id,
            "period": "2015", "vouchers_granted": 3, "vouchers_used": 2, "euros": "40.00",
            "customers": 1}),
        "price_list": lambda: (PriceList, {
            "board_id": w["board"].id, "code": f"PL{n}", "year": 2015, "name_fi": "H",
            "reference_code": "SFA10", "reference_name": "täyte", "base_price": "30.00"}),
        "price_coefficient": lambda: (PriceCoefficient, {
            "price_list_id": w["price_list"].id, "coefficient": "vaativuus",
            "class_code": f"C{n}", "factor": "1.2"}),
        "price_item": lambda: (PriceItem, {
            "price_list_id": w["price_list"].id, "code": f"PI{n}", "name_fi": "N",
            "reference_units": "1.5", "classes": {"vaativuus": "1"}}),
        "line_item": lambda: (OrderLineItem, {
            "order_budget_line_id": w["priced_line"].id, "item_id": _new_item(db, w, n),
            "volume": "3"}),
        "item_delivery": lambda: (ItemDelivery, {
            "order_budget_line_id": w["priced_line"].id, "item_id": _new_item(db, w, n),
            "period": "2015-02", "volume": "1"}),
        "value": lambda: (IndicatorValue, {
            "measure_id": create(db, Measure, goal_id=w["goal"].id, code=f"V{n}", name="V",
                                 unit="kpl", direction="lower_is_better",
                                 frequency="year").id, "period": "2015", "value": "1"}),
    }
    return bodies[key]()


# --- how to call each route -------------------------------------------------------------------

@dataclass
class Req:
    url: str
    status: int  # what a declared caller gets
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass
class Ctx:
    db: Session
    own: dict[str, Any]
    foreign: dict[str, Any]
    users: dict[str, User]

    def fresh(self, key: str, w: dict[str, Any], **extra: Any) -> Any:
        """A new object of world ``w``, so that one role's write leaves others theirs."""
        model, body = create_body(key, self.db, w)
        return create(self.db, model, **body, **extra)


Call = Callable[[Ctx, str, dict[str, Any], bool], Req]  # (ctx, role, world, is it own) -> Req
CALLS: dict[tuple[str, str], Call] = {}


def calls(method: str, *paths: str) -> Callable[[Call], Call]:
    def register(fn: Call) -> Call:
        for path in paths:
            CALLS[(method, path)] = fn
        return fn
    return register


def _approve(c: Ctx, w: dict[str, Any], obj: Any) -> None:
    """draft → approved; for a service agreement its world's order budget first (an agreement
    is approved only within an approved budget: app.lifecycle.budget_check)."""
    if isinstance(obj, ServiceAgreement) and w["budget"].status.value == "draft":
        _approve(c, w, w["budget"])
    transitions.transition(c.db, ROOT, obj, {"to": "negotiation"})
    transitions.transition(c.db, ROOT, obj, {"to": "approved", **DECISION})


def _id(path: str, obj: Any) -> str:
    return path.replace("{obj_id}", str(obj.id))


def _public_reads(path: str) -> bool:
    return RESOURCES.get(path.removesuffix("/{obj_id}")) in {"municipality", "board", "unit",
                                                                "region", "provider", "area",
                                                                "group", "product"}


def _crud(method: str, path: str, key: str) -> None:
    item = path + "/{obj_id}"

    def list_(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        return Req(path, 200)

    def create_(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        _, body = create_body(key, c.db, w)
        return Req(path, 201 if own else 422, json=jsonable_encoder(body))  # 422: names the ref

    def read(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        master = type(w[key]) in MASTER_DATA
        if role == "public":  # master data is public; agreements only once approved
            return Req(_id(item, w[key]), 200 if master else 404)
        return Req(_id(item, w[key]), 200 if own else 404)

    def patch(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        c.db.refresh(w[key])  # an earlier role's update moved its row version on
        return Req(_id(item, w[key]), 200 if own else 404, json={},
                   headers={"If-Match": etag(w[key])})

    def delete(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        target = c.fresh(key, w)
        return Req(_id(item, target), 204 if own else 404, headers={"If-Match": etag(target)})

    for m, p, fn in (("GET", path, list_), ("POST", path, create_), ("GET", item, read),
                     ("PATCH", item, patch), ("DELETE", item, delete)):
        CALLS[(m, p)] = fn


for _path, _key in RESOURCES.items():
    _crud("", _path, _key)


def _lifecycle(path: str, key: str) -> None:
    item = path + "/{obj_id}"

    def read(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        return Req(_id(item, w[key]), 200 if own else 404)

    for sub in ("transitions", "comments", "versions", "audit"):
        CALLS[("GET", f"{item}/{sub}")] = \
            lambda c, role, w, own, sub=sub: Req(_id(f"{item}/{sub}", w[key]), 200 if own else 404)
    CALLS[("GET", f"{item}/versions/{{number}}")] = \
        lambda c, role, w, own: Req(_id(f"{item}/versions/1", w[key]), 200 if own else 404)
    CALLS[("GET", f"{path}/diff")] = lambda c, role, w, own: Req(
        f"{path}/diff?from={w[key].id}&to={w[key].id}", 200 if own else 404)

    def transition(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        return Req(_id(f"{item}/transitions", c.fresh(key, w)), 200 if own else 404,
                   json={"to": "negotiation"})

    def comment(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        obj = w[key]
        if obj.status.value == "draft":  # comments are taken in negotiation
            transitions.transition(c.db, ROOT, obj, {"to": "negotiation"})
        return Req(_id(f"{item}/comments", obj), 201 if own else 404, json={"text": "Hyvä"})

    def amend(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
        obj = c.fresh(key, w)
        _approve(c, w, obj)
        return Req(_id(f"{item}/amendments", obj), 201 if own else 404)

    CALLS[("POST", f"{item}/transitions")] = transition
    CALLS[("POST", f"{item}/comments")] = comment
    CALLS[("POST", f"{item}/amendments")] = amend


for _path, _key in LIFECYCLE.items():
    _lifecycle(_path, _key)


@calls("POST", "/api/v1/service-agreements/{obj_id}/carry-over")
def _carry_over(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    return Req(_id("/api/v1/service-agreements/{obj_id}/carry-over", c.fresh("agreement", w)),
               201 if own else 404, json={"year": 2016})


def _of(path: str, key: str, ok: int = 200) -> Call:
    return lambda c, role, w, own: Req(_id(path, w[key]), ok if own else 404)


CALLS[("GET", "/api/v1/order-budgets/{obj_id}/totals")] = lambda c, role, w, own: Req(
    _id("/api/v1/order-budgets/{obj_id}/totals", w["budget"]),
    200 if own and role != "public" else 404)  # the public: a draft is not his to see
CALLS[("GET", "/api/v1/indicator-values/{obj_id}/history")] = _of(
    "/api/v1/indicator-values/{obj_id}/history", "value")
CALLS[("GET", "/api/v1/service-agreements/{obj_id}/calendar")] = _of(
    "/api/v1/service-agreements/{obj_id}/calendar", "agreement")
CALLS[("GET", "/api/v1/service-agreements/{obj_id}/rewards")] = lambda c, role, w, own: Req(
    _id("/api/v1/service-agreements/{obj_id}/rewards", w["agreement"]),
    200 if own and role != "public" else 404)  # the public: a draft is not his to see
CALLS[("GET", "/api/v1/boards/{obj_id}/overdue")] = _of("/api/v1/boards/{obj_id}/overdue", "board")
CALLS[("GET", "/api/v1/price-lists/{obj_id}/invoicing")] = lambda c, role, w, own: Req(
    f"/api/v1/price-lists/{w['price_list'].id}/invoicing", 200 if own else 404)
CALLS[("GET", "/api/v1/voucher-schemes/{obj_id}/follow-up")] = lambda c, role, w, own: Req(
    f"/api/v1/voucher-schemes/{w['scheme'].id}/follow-up?period=2015-T2", 200 if own else 404)


def _plain(url: str, status: int) -> Call:
    """A route about no object of a world (the caller's own things): the same for both."""
    return lambda c, role, w, own: Req(url, status)


for _m, _url, _status in (
    ("GET", "/api/v1/audit", 200), ("GET", "/api/v1/auth/me", 200),
    ("POST", "/api/v1/auth/logout", 204), ("POST", "/api/v1/auth/totp/setup", 200),
    ("GET", "/api/v1/auth/api-tokens", 200), ("GET", "/api/v1/auth/users", 200),
    ("GET", "/api/v1/auth/access-log", 200), ("GET", "/api/v1/submissions/due", 200),
    ("GET", "/api/v1/reports/issued", 200), ("GET", "/healthz", 200), ("GET", "/readyz", 200),
    ("GET", "/health/live", 200), ("GET", "/health/ready", 200), ("GET", "/metrics", 200),
    ("GET", "/health", 200), ("GET", "/ready", 200),
    ("GET", "/", 200), ("GET", "/login", 200), ("GET", "/agreements", 200),
    ("GET", "/reports", 200), ("GET", "/reporting", 200), ("GET", "/reporting/template.xlsx", 200),
    ("GET", "/reporting/upload", 200), ("GET", "/purchaser", 200),
    ("GET", "/purchaser/overdue", 200), ("GET", "/purchaser/review", 200),
    ("GET", "/purchaser/export.xlsx", 200), ("GET", "/settings", 200), ("GET", "/vouchers", 200),
    ("GET", "/price-lists", 200),
):
    CALLS[(_m, _url)] = _plain(_url, _status)
CALLS[("GET", "/purchaser/compare")] = lambda c, role, w, own: Req(
    f"/purchaser/compare?from={w['agreement'].id}&to={w['agreement'].id}", 200 if own else 404)
CALLS[("GET", "/lang/{code}")] = _plain("/lang/sv", 303)
CALLS[("PATCH", "/api/v1/auth/me")] = lambda c, role, w, own: Req(
    "/api/v1/auth/me", 200, json={"reminders": False, "language": "sv"})
CALLS[("POST", "/api/v1/auth/api-tokens")] = lambda c, role, w, own: Req(
    "/api/v1/auth/api-tokens", 201, json={"name": "järjestelmä"})


@calls("POST", "/api/v1/auth/token")
def _login(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    return Req("/api/v1/auth/token", 200, data={
        "username": c.users.get(role, c.users["admin"]).username, "password": PASSWORD})


@calls("POST", "/api/v1/auth/totp/confirm")
def _totp_confirm(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    user = c.users.get(role, c.users["admin"])  # (the public: refused before the body)
    user.totp_secret, user.totp_enabled = pyotp.random_base32(), False
    c.db.flush()
    return Req("/api/v1/auth/totp/confirm", 204, json={"code": pyotp.TOTP(user.totp_secret).now()})


@calls("DELETE", "/api/v1/auth/api-tokens/{token_id}")
def _revoke(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    owner = c.users.get(role, c.users["admin"]) if own else w["someone"]  # another user's token: not found
    row, _ = create_api_token(c.db, owner, "kone", 30)
    return Req(f"/api/v1/auth/api-tokens/{row.id}", 204 if own else 404)


@calls("POST", "/api/v1/auth/users")
def _new_user(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    n = next(_n)
    return Req("/api/v1/auth/users", 201 if own else 404, json={
        "username": f"uusi{n}", "full_name": "Uusi", "role": "board_member",
        "password": "a long enough passphrase 42", "municipality_id": w["municipality"].id,
        "board_id": w["board"].id})


CALLS[("PATCH", "/api/v1/auth/users/{user_id}")] = lambda c, role, w, own: Req(
    f"/api/v1/auth/users/{w['someone'].id}", 200 if own else 404, json={"full_name": "Nimi"})


@calls("POST", "/api/v1/contracts/import")
def _import(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    text = (CONTRACTS / "109-hameenlinna-lanula-2013-2016.yaml").read_text(encoding="utf-8")
    if not own:
        text = text.replace('code: "109"', 'code: "837"', 1)
    return Req("/api/v1/contracts/import", 200 if own else 404, json=None,
               data={"__raw__": text})


CALLS[("GET", "/api/v1/contracts/export")] = lambda c, role, w, own: Req(
    f"/api/v1/contracts/export?municipality={w['municipality'].code}&board=LANULA&year=2015",
    200 if own else 404)


@calls("POST", "/api/v1/submissions")
def _submit(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    measure = c.fresh("measure", w)
    return Req("/api/v1/submissions", 201 if own else 404,
               json={"measure_id": measure.id, "period": "2015", "value": "3"})


@calls("POST", "/api/v1/submissions/shared")
def _submit_shared(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    """A shared indicator of the world's provider: his own reporter's 201; another
    municipality's provider's code is unknown to him (404)."""
    code = f"SHARED{next(_n)}"
    c.fresh("measure", w, indicator_code=code)
    return Req("/api/v1/submissions/shared", 201 if own else 404,
               json={"indicator": code, "period": "2015", "value": "3",
                     "purchasers": [w["municipality"].code]})


@calls("POST", "/api/v1/indicator-values/{obj_id}/review")
def _review(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    model, body = create_body("value", c.db, w)
    value = create(c.db, model, **body)
    return Req(f"/api/v1/indicator-values/{value.id}/review", 200 if own else 404,
               json={"decision": "accept"})


@calls("POST", "/api/v1/indicator-values/{obj_id}/notes")
def _note(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    model, body = create_body("value", c.db, w)
    value = create(c.db, model, **body)
    kind = "explanation" if role == "provider_reporter" else "answer"  # each side its own
    return Req(f"/api/v1/indicator-values/{value.id}/notes", 201 if own else 404,
               json={"kind": kind, "text": "Sijaiset palkataan"})


CALLS[("GET", "/api/v1/indicator-values/{obj_id}/notes")] = lambda c, role, w, own: Req(
    f"/api/v1/indicator-values/{w['value'].id}/notes", 200 if own else 404)


@calls("POST", "/api/v1/submissions/bulk")
def _bulk(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    provider = "" if role == "provider_reporter" and own else f"&provider_id={w['provider'].id}"
    return Req(f"/api/v1/submissions/bulk?dry_run=true{provider}", 200 if own else 404,
               files={"file": ("arvot.csv", b"measure_code,period,value\r\n", "text/csv")})


@calls("GET", "/api/v1/submissions/jobs/{job_id}")
def _bulk_job(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    """A bulk job is its uploader's alone: the caller's own, or another's (404)."""
    owner = c.users.get(role) if own else None
    job = BulkJob(user_id=(owner or w["someone"]).id, provider_id=w["provider"].id,
                  filename="arvot.csv", data=b"")
    c.db.add(job)
    c.db.flush()
    return Req(f"/api/v1/submissions/jobs/{job.id}", 200 if own else 404)


CALLS[("GET", "/api/v1/submissions/template.xlsx")] = lambda c, role, w, own: Req(
    f"/api/v1/submissions/template.xlsx?provider_id={w['provider'].id}", 200 if own else 404)
CALLS[("GET", "/api/v1/submissions/export.csv")] = lambda c, role, w, own: Req(
    f"/api/v1/submissions/export.csv?provider_id={w['provider'].id}", 200 if own else 404)


@calls("POST", "/api/v1/sotkanet/load")
def _sotkanet(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    from tests.submissions.test_sotkanet import DATA  # the recorded Sotkanet files

    files = {name: (f"{name}.json", (DATA / f"sotkanet-{name}.json").read_bytes(),
                    "application/json") for name in ("data", "regions")}
    return Req(f"/api/v1/sotkanet/load?municipality_id={w['municipality'].id}",
               200 if own else 404, files=files)


def _follow_up(w: dict[str, Any]) -> str:
    return f"board_id={w['board'].id}&period=2015-T1"


CALLS[("GET", "/api/v1/reports/follow-up")] = lambda c, role, w, own: Req(
    f"/api/v1/reports/follow-up?{_follow_up(w)}&format=html", 200 if own else 404)
CALLS[("GET", "/api/v1/reports/budget-balance")] = lambda c, role, w, own: Req(
    f"/api/v1/reports/budget-balance?{_follow_up(w)}", 200 if own else 404)
CALLS[("GET", "/api/v1/reports/agreement")] = lambda c, role, w, own: Req(
    f"/api/v1/reports/agreement?service_agreement_id={w['agreement'].id}&format=html",
    200 if own else 404)
CALLS[("POST", "/api/v1/reports/issued")] = lambda c, role, w, own: Req(
    "/api/v1/reports/issued", 201 if own else 404,
    json={"kind": "follow_up", "board_id": w["board"].id, "period": "2015-T1"})
CALLS[("POST", "/api/v1/reports/jobs")] = lambda c, role, w, own: Req(
    "/api/v1/reports/jobs", 202 if own else 404,
    json={"kind": "follow_up", "board_id": w["board"].id, "period": "2015-T1"})
CALLS[("GET", "/api/v1/reports/issued/{report_id}")] = lambda c, role, w, own: Req(
    f"/api/v1/reports/issued/{w['report'].id}", 200 if own else 404)
CALLS[("GET", "/api/v1/reports/issued/{report_id}/pdf")] = lambda c, role, w, own: Req(
    f"/api/v1/reports/issued/{w['report'].id}/pdf", 200 if own else 404)
CALLS[("GET", "/api/v1/reports/jobs/{job_id}")] = lambda c, role, w, own: Req(
    f"/api/v1/reports/jobs/{w['job'].id}", 200 if own else 404)
# pages
CALLS[("GET", "/agreements/{agreement_id}")] = lambda c, role, w, own: Req(
    f"/agreements/{w['agreement'].id}", 200 if own and role != "public" else 404)
CALLS[("GET", "/reports/{report_id}.pdf")] = lambda c, role, w, own: Req(
    f"/reports/{w['report'].id}.pdf", 200 if own or role == "public" else 404)
CALLS[("GET", "/measures/{measure_id}")] = lambda c, role, w, own: Req(
    f"/measures/{w['measure'].id}", 200 if own else 404)
CALLS[("GET", "/reporting/{measure_id}/{code}")] = lambda c, role, w, own: Req(
    f"/reporting/{w['measure'].id}/2015-T1", 200 if own else 404)
CALLS[("POST", "/login")] = lambda c, role, w, own: Req("/login", 303, data={
    "username": c.users.get(role, c.users["admin"]).username, "password": PASSWORD})
CALLS[("POST", "/logout")] = lambda c, role, w, own: Req("/logout", 303, data={})
CALLS[("POST", "/settings")] = lambda c, role, w, own: Req(
    "/settings", 303, data={"language": "sv", "reminders": "on"})
CALLS[("POST", "/reports/issue")] = lambda c, role, w, own: Req(
    "/reports/issue", 303 if own else 404,
    data={"board_id": w["board"].id, "period": "2015-T1", "language": "fi", "confirm": "1"})
CALLS[("GET", "/reports/preview")] = lambda c, role, w, own: Req(
    f"/reports/preview?board_id={w['board'].id}&period=2015-T1", 200 if own else 404)
CALLS[("GET", "/reports/preview/report.pdf")] = lambda c, role, w, own: Req(
    f"/reports/preview/report.pdf?board_id={w['board'].id}&period=2015-T1", 200 if own else 404)
CALLS[("POST", "/reporting/{measure_id}/{code}")] = lambda c, role, w, own: Req(
    f"/reporting/{c.fresh('measure', w).id}/2015", 303 if own else 404, data={"value": "4"})
CALLS[("POST", "/reporting/upload")] = lambda c, role, w, own: Req(
    "/reporting/upload", 200, data={}, files={"file": ("arvot.csv", b"measure_code,period,value\r\n",
                                                        "text/csv")})
CALLS[("POST", "/reporting/{measure_id}/{code}/notes")] = lambda c, role, w, own: Req(
    f"/reporting/{w['measure'].id}/2015-T1/notes", 303 if own else 404,
    data={"kind": "corrective_action", "text": "Sijaiset", "action_due": "2015-06-30"})
CALLS[("POST", "/purchaser/review/{value_id}/notes")] = lambda c, role, w, own: Req(
    f"/purchaser/review/{w['value'].id}/notes", 303 if own else 404,
    data={"kind": "answer", "text": "Hyvä"})
CALLS[("POST", "/purchaser/review/accept")] = lambda c, role, w, own: Req(
    "/purchaser/review/accept", 303 if own else 404,
    data={"ids": [str(c.fresh('value', w).id)]})
CALLS[("POST", "/purchaser/review/{value_id}")] = lambda c, role, w, own: Req(
    f"/purchaser/review/{c.fresh('value', w).id}", 303 if own else 404,
    data={"decision": "accept"})


@calls("POST", "/purchaser/agreements/{agreement_id}/amend")
def _web_amend(c: Ctx, role: str, w: dict[str, Any], own: bool) -> Req:
    obj = c.fresh("agreement", w)
    _approve(c, w, obj)
    return Req(f"/purchaser/agreements/{obj.id}/amend", 303 if own else 404, data={})


# --- the matrix ------------------------------------------------------------------------------

def refusal(declaration: Declaration, role: str, web: bool) -> int | None:
    """What the declaration answers ``role`` before anything else: None if it lets him in."""
    if role == "public":
        return None if declaration.public else (303 if web else 401)  # pages: the login page
    if Role(role) not in declaration.roles or declaration.installation:
        return 403
    return None


def test_every_route_declares_its_callers_and_is_in_the_matrix() -> None:
    undeclared = sorted(f"{m} {p}" for (m, p), dep in ROUTES.items()
                        if declaration_of(dep) is None)
    assert undeclared == [], f"routes without a declaration of who may call them: {undeclared}"
    uncalled = sorted(f"{m} {p}" for m, p in ROUTES.keys() - CALLS.keys())
    assert uncalled == [], f"routes the matrix does not know how to call: {uncalled}"
    stale = sorted(f"{m} {p}" for m, p in CALLS.keys() - ROUTES.keys())
    assert stale == [], f"calls for routes that no longer exist: {stale}"


def _world(c_db: Session, code: str) -> dict[str, Any]:
    w = build_world(c_db, code)
    w["someone"] = create_user(c_db, Role.board_member, w["municipality"],
                               username=f"someone-{code}", board_id=w["board"].id)
    mid, board = w["municipality"].id, w["board"].id
    w["report"] = IssuedReport(municipality_id=mid, board_id=board, kind="follow_up",
                               period="2015-T1", subject="2015-T1", language="fi", title="R",
                               filename="r.pdf", sha256=hashlib.sha256(b"%PDF").hexdigest(),
                               size=4, pages=1, pdf=b"%PDF", created_by="root",
                               updated_by="root")
    w["job"] = RenderJob(municipality_id=mid, board_id=board, kind="follow_up",
                         period="2015-T1", language="fi", created_by="root", updated_by="root")
    c_db.add_all([w["report"], w["job"]])
    c_db.flush()
    return w


def _users(db: Session, own: dict[str, Any]) -> dict[str, User]:
    """A user of every role in the own world."""
    m = own["municipality"]
    return {
        "admin": create_user(db, Role.admin, m, username="m-admin"),
        "purchaser_director": create_user(db, Role.purchaser_director, m, username="m-director"),
        "purchaser_manager": create_user(db, Role.purchaser_manager, m, username="m-manager",
                                         purchaser_unit_id=own["unit"].id),
        "provider_reporter": create_user(db, Role.provider_reporter, m,
                                         provider_id=own["provider"].id, username="m-reporter"),
        "board_member": create_user(db, Role.board_member, m, username="m-board",
                                    board_id=own["board"].id),
    }


# the operator's, neither API nor page
PROBES = {"/healthz", "/readyz", "/health/live", "/health/ready", "/health", "/ready", "/metrics"}


def _send(client: TestClient, db: Session, method: str, path: str, req: Req,
          user: User | None) -> Any:
    web = not path.startswith("/api/") and path not in PROBES
    headers = dict(req.headers or {})
    data = dict(req.data) if req.data is not None else None
    if user is not None:
        token = start_session(db, user)
        if web:
            headers["Cookie"] = f"{SESSION_COOKIE}={token}"
        else:
            headers["Authorization"] = f"Bearer {token}"
    elif web and method == "POST":
        token = "login-csrf"
        headers["Cookie"] = f"sopimus_login_csrf={token}"
    if web and method == "POST" and data is not None:
        secret = get_settings().secret_key.encode()
        data["csrf"] = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
    if data is not None and "__raw__" in data:
        return client.request(method, req.url, content=data["__raw__"].encode(), headers={
            **headers, "content-type": "application/yaml"}, follow_redirects=False)
    return client.request(method, req.url, json=req.json, data=data, files=req.files,
                          headers=headers, follow_redirects=False)


# --- the worlds, built once per database ------------------------------------------------------
# Building two worlds and five users for each of ~190 routes was most of this test's time. They
# are built once per database in a transaction of one connection that is rolled back at the
# end; each route's test runs in a SAVEPOINT of it that is rolled back after the test, so every
# route sees the pristine worlds and what one route's calls create, change or delete is undone.


class World(dict[str, Any]):
    """A shared world's objects as this test's session's own, each read afresh when first
    asked for (a test may change them in memory; most routes need one or two of them)."""

    def __init__(self, db: Session, objects: dict[str, tuple[type, int]]) -> None:
        super().__init__()
        self.db, self.objects = db, objects

    def __missing__(self, key: str) -> Any:
        model, pk = self.objects[key]
        obj = self[key] = self.db.get(model, pk)
        return obj


@dataclass
class Worlds:
    """The shared connection, what is on it (model and id of each object, by world and key)
    and the session of the test now running."""
    connection: Connection
    objects: dict[str, dict[str, tuple[type, int]]]
    session: Session | None = None

    def load(self, db: Session) -> tuple[World, World, dict[str, User]]:
        """The own and the foreign world and the users, for a test's session ``db``."""
        users = {role: db.get(model, pk) for role, (model, pk) in self.objects["users"].items()}
        return World(db, self.objects["own"]), World(db, self.objects["foreign"]), users


def _session(connection: Connection) -> Session:
    return Session(bind=connection, join_transaction_mode="create_savepoint",
                   expire_on_commit=False, autoflush=False)


@pytest.fixture(scope="class")
def worlds(engine: Engine) -> Iterator[Worlds]:
    # Class scope, not module: the open transaction holds SQLite's write lock and PostgreSQL's
    # audit chain head, which the other tests of this module, on connections of their own, need.
    connection = engine.connect()
    outer = connection.begin()
    with _session(connection) as db:
        own, foreign = _world(db, "109"), _world(db, "837")
        users = _users(db, own)
        db.commit()
        objects = {name: {key: (type(obj), obj.id) for key, obj in w.items()}
                   for name, w in (("own", own), ("foreign", foreign), ("users", users))}
    yield Worlds(connection, objects)
    outer.rollback()
    connection.close()


@pytest.fixture
def world_db(worlds: Worlds) -> Iterator[Session]:
    """This test's session, in a savepoint of the worlds' transaction rolled back after it."""
    savepoint = worlds.connection.begin_nested()
    db = worlds.session = _session(worlds.connection)
    try:
        yield db
        # What the requests queued for the access log is stored in this test's savepoint, as
        # the app's shutdown did when each test had a client of its own.
        access.flush()
    finally:
        worlds.session = None
        db.close()
        savepoint.rollback()


@pytest.fixture(scope="class")
def app_client(worlds: Worlds) -> Iterator[TestClient]:
    """One app (its lifespan once) for all routes; its session is the running test's."""
    def session_override() -> Iterator[Session]:
        assert worlds.session is not None, "a request outside a test"
        worlds.session.commit()  # what the test set up is committed data for the request
        yield worlds.session

    app.dependency_overrides[open_session] = session_override
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.dependency_overrides.pop(open_session, None)


@pytest.fixture
def world_client(app_client: TestClient, world_db: Session) -> TestClient:
    """The app as a fresh client finds it: no cookies, no login attempts counted."""
    app_client.cookies.clear()
    ratelimit.reset()
    return app_client


class TestMatrix:
    @pytest.mark.parametrize(("method", "path"), sorted(ROUTES), ids=lambda v: str(v))
    def test_route_answers_each_role_as_its_declaration_says(
        self, worlds: Worlds, world_client: TestClient, world_db: Session, method: str, path: str
    ) -> None:
        global _n
        _n = count(1)  # codes and years unique within the test
        declaration = declaration_of(ROUTES[(method, path)])
        assert declaration is not None, "the route declares no callers"
        call = CALLS[(method, path)]
        web = not path.startswith("/api/") and path not in PROBES
        client, db = world_client, world_db
        own, foreign, users = worlds.load(db)
        ctx = Ctx(db, own, foreign, users)
        failures = []
        for role in [*ROLES, "public"]:
            user = users.get(role)
            refused = refusal(declaration, role, web)
            for side, world in (("own", own), ("foreign", foreign)):
                if refused is not None and side == "foreign":
                    continue  # refused before any object is looked at: the same for every object
                req = call(ctx, role, world, side == "own")
                db.commit()
                expected = refused if refused is not None else req.status
                response = _send(client, db, method, path, req, user)
                if response.status_code != expected:
                    failures.append(f"{role}/{side}: expected {expected}, got "
                                    f"{response.status_code} {response.text[:160]}")
                elif method == "GET" and path in RESOURCES and response.status_code == 200:
                    ids = {item["id"] for item in response.json()["items"]}
                    key = RESOURCES[path]
                    if role != "public" and foreign[key].id in ids:
                        failures.append(f"{role}: the list shows another municipality's {key}")
                    if role == "public" and type(own[key]) not in MASTER_DATA \
                            and own[key].id in ids:
                        failures.append(f"public: the list shows a draft {key}")
        assert failures == [], f"{method} {path}: " + "; ".join(failures)


# --- the gaps the matrix once skipped ----------------------------------------------------------

def _other_board(db: Session, w: dict[str, Any]) -> tuple[Board, PurchaserUnit]:
    board = create(db, Board, municipality_id=w["municipality"].id, code="SOTE",
                   name_fi="Sosiaali- ja terveyslautakunta")
    unit = create(db, PurchaserUnit, municipality_id=w["municipality"].id, code="SOTEU",
                  name_fi="Sote", board_id=board.id)
    return board, unit


def _other_units_manager(db: Session, w: dict[str, Any]) -> User:
    """A purchaser manager whose unit answers to the other board, not to the agreement's."""
    _, unit = _other_board(db, w)
    return create_user(db, Role.purchaser_manager, w["municipality"], username="sote-pp",
                       purchaser_unit_id=unit.id)


def test_another_boards_member_cannot_export_a_draft_he_cannot_read(
    client: TestClient, db: Session
) -> None:
    w = build_world(db, "109")
    board, _ = _other_board(db, w)
    member = create_user(db, Role.board_member, w["municipality"], username="sote-jasen",
                         board_id=board.id)
    headers = auth(db, member)
    db.commit()
    assert client.get(f"/api/v1/service-agreements/{w['agreement'].id}",
                      headers=headers).status_code == 404
    response = client.get("/api/v1/contracts/export", headers=headers,
                          params={"municipality": "109", "board": "LANULA", "year": 2015})
    assert response.status_code == 404, response.text


def test_a_manager_moves_comments_and_carries_over_only_his_units_board(
    client: TestClient, db: Session
) -> None:
    w = build_world(db, "109")
    manager = _other_units_manager(db, w)
    negotiating = create(db, ServiceAgreement, code="NEG", framework_agreement_id=w[
        "framework"].id, provider_id=w["provider"].id, year=2015, title="N",
        board_ids=[w["board"].id])
    transitions.transition(db, ROOT, negotiating, {"to": "negotiation"})
    headers = auth(db, manager)
    db.commit()
    path = f"/api/v1/service-agreements/{w['agreement'].id}"
    db.refresh(w["agreement"])
    assert client.patch(path, headers={**headers, "If-Match": etag(w["agreement"])},
                        json={"title": "x"}).status_code == 403
    assert client.post(f"{path}/transitions", headers=headers,
                       json={"to": "negotiation"}).status_code == 403
    assert client.post(f"/api/v1/service-agreements/{negotiating.id}/comments",
                       headers=headers, json={"text": "Hyvä"}).status_code == 403
    assert client.post(f"{path}/carry-over", headers=headers,
                       json={"year": 2016}).status_code == 403
    db.expire_all()
    assert db.get(ServiceAgreement, w["agreement"].id).status.value == "draft"


def test_a_managers_write_to_another_units_board_is_forbidden_before_if_match_is_asked(
    client: TestClient, db: Session
) -> None:
    w = build_world(db, "109")
    headers = auth(db, _other_units_manager(db, w))
    db.commit()
    path = f"/api/v1/service-agreements/{w['agreement'].id}"
    answers = [client.patch(path, headers=headers, json={"title": "x"}).status_code,
               client.delete(path, headers=headers).status_code]
    assert answers == [403, 403]  # not 428: no If-Match makes a forbidden write allowed


def test_a_write_is_refused_before_its_body_or_if_match_is_read(
    client: TestClient, db: Session
) -> None:
    w = build_world(db, "109")
    manager = auth(db, _other_units_manager(db, w))
    stranger = auth(db, create_user(db, Role.purchaser_director, build_world(db, "837")[
        "municipality"], username="837-pj"))
    db.commit()
    path = f"/api/v1/service-agreements/{w['agreement'].id}"
    stale = {"If-Match": '"stale"'}
    calls = [("transitions", {"to": "nowhere"}), ("transitions", {"to": "negotiation"}),
             ("comments", {"text": ""}), ("amendments", None), ("carry-over", {"year": "x"})]
    # Another municipality's director may not see the agreement: 404, whatever he sends.
    assert [client.post(f"{path}/{sub}", headers={**stranger, **stale}, json=body).status_code
            for sub, body in calls] == [404] * len(calls)
    # A manager of another unit's board sees it and may not change it: 403, not 422 or 412.
    assert [client.post(f"{path}/{sub}", headers={**manager, **stale}, json=body).status_code
            for sub, body in calls] == [403] * len(calls)
    assert client.get(f"{path}/versions/0", headers=stranger).status_code == 404
    # The same for a PATCH with a bad body and a DELETE with a stale If-Match.
    for who, status in ((stranger, 404), (manager, 403)):
        assert client.patch(path, headers={**who, **stale}, json={"year": "x"}).status_code \
            == status
        assert client.delete(path, headers={**who, **stale}).status_code == status
    assert client.get(f"{path}/audit", headers=stranger,
                      params={"limit": "many"}).status_code == 404


def test_a_manager_uploads_values_only_for_his_units_board(client: TestClient, db: Session
                                                           ) -> None:
    w = build_world(db, "109")
    manager = _other_units_manager(db, w)
    headers = auth(db, manager)
    db.commit()
    response = client.post(
        f"/api/v1/submissions/bulk?provider_id={w['provider'].id}", headers=headers,
        files={"file": ("arvot.csv", b"measure_code,period,value\r\nM,2015-T2,7\r\n", "text/csv")})
    assert response.status_code == 403, response.text
    db.expire_all()
    assert db.query(IndicatorValue).filter_by(measure_id=w["measure"].id).count() == 1


def test_a_provider_reporter_exports_only_his_providers_agreements(
    client: TestClient, db: Session
) -> None:
    w = build_world(db, "109")
    other = create(db, Provider, municipality_id=w["municipality"].id, code="P2",
                   name="Toinen", kind="company")
    create(db, ServiceAgreement, code="OTHER", framework_agreement_id=w["framework"].id,
           provider_id=other.id, year=2015, title="Toisen", board_ids=[w["board"].id])
    create(db, OrderBudgetLine, order_budget_id=w["budget"].id, product_id=w["product"].id,
           provider_id=other.id, volume=1, unit_price=1)
    reporter = create_user(db, Role.provider_reporter, w["municipality"], username="p1-rap",
                           provider_id=w["provider"].id)
    headers = auth(db, reporter)
    db.commit()
    response = client.get("/api/v1/contracts/export", headers=headers,
                          params={"municipality": "109", "board": "LANULA", "year": 2015})
    assert response.status_code == 200, response.text
    assert "code: SA\n" in response.text
    assert "OTHER" not in response.text
    assert "provider: P2" not in response.text  # nor the other provider's budget line


def test_a_role_not_declared_is_refused_before_the_body_is_read(
    client: TestClient, db: Session
) -> None:
    w = build_world(db, "109")
    member = create_user(db, Role.board_member, w["municipality"], username="jasen",
                         board_id=w["board"].id)
    headers = auth(db, member)
    db.commit()
    response = client.post("/api/v1/contracts/import", content=b"\xff not yaml",
                           headers={**headers, "content-type": "application/yaml"})
    assert response.status_code == 403, response.text
    response = client.post("/api/v1/indicator-values/999999/review", headers=headers,
                           json={"decision": "maybe", "unknown": 1})
    assert response.status_code == 403, response.text
