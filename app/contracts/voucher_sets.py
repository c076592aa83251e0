"""The ``voucher_schemes`` section of a contracts file: its import and its export.

A scheme is matched by its code and year, its table rows by income band and household size,
its register entries by provider and their reports by period, so that importing a file twice
changes nothing. Rows of a scheme that the file no longer lists are removed with it (the file
describes the scheme whole); schemes the file does not name are left as they are.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.authz import scope
from app.auth.models import User
from app.catalogue.models import Product
from app.contracts import voucher_docs as vd
from app.core.i18n import N_
from app.core.periods import parse_period
from app.organisations.models import Board, Provider
from app.vouchers.models import VoucherProvider, VoucherReport, VoucherScheme, VoucherValue
from app.vouchers.service import approval_rules, report_rules, scheme_rules, value_rules


class Counts(Protocol):
    updated: int


class Importing(Protocol):
    """What of app.contracts.importer.Importer the section uses."""

    session: Session
    municipality_id: int

    @property
    def result(self) -> Counts: ...

    def error(self, path: str, message: str) -> None: ...

    def refuse(self, path: str, key: str, english: str | None = None, **values: Any) -> None: ...

    def at(self, path: str) -> AbstractContextManager[None]: ...

    def upsert(self, model: Any, key: dict[str, Any], values: dict[str, Any],
               rules: Callable[[Session, Any, dict[str, Any]], None] | None = None,
               path: str = "") -> Any: ...

    def code_map(self, model: Any) -> dict[str, int]: ...

    def ref(self, codes: dict[str, int], code: str | None, what: str, path: str) -> int | None: ...


def import_schemes(imp: Importing, docs: list[vd.VoucherSchemeDoc]) -> None:
    boards, products = imp.code_map(Board), imp.code_map(Product)
    providers = imp.code_map(Provider)
    seen: set[tuple[str, int]] = set()
    for i, doc in enumerate(docs):
        path = f"voucher_schemes[{i}]"
        if (doc.code, doc.year) in seen:
            imp.refuse(f"{path}.code", N_("import_scheme_twice"), code=doc.code, year=doc.year)
            continue
        seen.add((doc.code, doc.year))
        board = imp.ref(boards, doc.board, "board", f"{path}.board")
        product = imp.ref(products, doc.product, "product", f"{path}.product")
        if board is None or product is None:
            continue
        if doc.value_table and doc.fixed_value is not None:
            imp.refuse(f"{path}.value_table", N_("import_voucher_two_values"))
            continue
        scheme = imp.upsert(VoucherScheme, {"municipality_id": imp.municipality_id,
                                            "code": doc.code, "year": doc.year}, {
            "board_id": board, "product_id": product, "name_fi": doc.name_fi,
            "name_sv": doc.name_sv, "value_rule": doc.value_rule, "fixed_value": doc.fixed_value,
            "deductible": doc.deductible, "budget_euros": doc.budget_euros,
            "budget_vouchers": doc.budget_vouchers}, None, path)
        _values(imp, scheme, doc, path)
        with imp.at(path):  # after the table, which a change of the rule may have emptied
            scheme_rules(imp.session, scheme, {})
        _register(imp, scheme, doc, path, providers)


def _values(imp: Importing, scheme: VoucherScheme, doc: vd.VoucherSchemeDoc, path: str) -> None:
    kept: set[int] = set()
    for j, row in enumerate(doc.value_table):
        kept.add(imp.upsert(VoucherValue, {"scheme_id": scheme.id, "income_band": row.band,
                                           "household_size": row.household_size},
                            {"income_limit": row.income_limit, "value": row.value},
                            value_rules, f"{path}.value_table[{j}]").id)
    _remove_others(imp, VoucherValue, VoucherValue.scheme_id == scheme.id, kept)


def _register(imp: Importing, scheme: VoucherScheme, doc: vd.VoucherSchemeDoc, path: str,
              providers: dict[str, int]) -> None:
    kept: set[int] = set()
    for j, entry in enumerate(doc.providers):
        epath = f"{path}.providers[{j}]"
        provider = imp.ref(providers, entry.provider, "provider", f"{epath}.provider")
        if provider is None:
            continue
        if any(e.provider == entry.provider for e in doc.providers[:j]):
            imp.refuse(f"{epath}.provider", N_("import_register_twice"),
                       provider=entry.provider, code=doc.code)
            continue
        row = imp.upsert(VoucherProvider, {"scheme_id": scheme.id, "provider_id": provider}, {
            "applied_on": entry.applied_on, "approved_on": entry.approved_on,
            "suspended_on": entry.suspended_on, "decision": entry.decision},
            approval_rules, epath)
        kept.add(row.id)
        reports: set[int] = set()
        for k, r in enumerate(entry.reports):
            # The dates with the code: a report refused by its rules is still flushed (the
            # import is then rolled back whole), and its dates may not be empty.
            period = parse_period(r.period)
            reports.add(imp.upsert(VoucherReport, {"voucher_provider_id": row.id,
                                                   "period": period.code}, {
                "period_start": period.start, "period_end": period.end,
                "vouchers_granted": r.vouchers_granted, "vouchers_used": r.vouchers_used,
                "euros": r.euros, "customers": r.customers, "comment": r.comment,
            }, report_rules, f"{epath}.reports[{k}]").id)
        _remove_others(imp, VoucherReport, VoucherReport.voucher_provider_id == row.id, reports)
    _remove_others(imp, VoucherProvider, VoucherProvider.scheme_id == scheme.id, kept)


def _remove_others(imp: Importing, model: Any, where: Any, kept: set[int]) -> None:
    for stored in imp.session.scalars(select(model).where(where, model.id.not_in(kept))):
        imp.session.delete(stored)
        imp.result.updated += 1
    imp.session.flush()


# -- the export ------------------------------------------------------------------------------------
def _rows(session: Session, user: User, model: Any, *where: Any) -> Iterator[Any]:
    yield from session.scalars(scope(select(model), model, user).where(*where)
                               .order_by(model.id))


def export_schemes(session: Session, user: User, board: Board, year: int,
                   products: dict[int, str], providers: dict[int, str]
                   ) -> list[vd.VoucherSchemeDoc]:
    """The board's schemes of ``year`` as ``user`` reads them (and of the register, the
    entries he reads)."""
    return [vd.VoucherSchemeDoc(
        code=s.code, board=board.code, product=products[s.product_id], year=s.year,
        name_fi=s.name_fi, name_sv=s.name_sv, value_rule=s.value_rule, fixed_value=s.fixed_value,
        value_table=[vd.VoucherValueDoc(band=v.income_band, household_size=v.household_size,
                                       income_limit=v.income_limit, value=v.value)
                     for v in _rows(session, user, VoucherValue, VoucherValue.scheme_id == s.id)],
        deductible=s.deductible, budget_euros=s.budget_euros, budget_vouchers=s.budget_vouchers,
        providers=[_entry(session, user, e, providers) for e in _rows(
            session, user, VoucherProvider, VoucherProvider.scheme_id == s.id)])
        for s in _rows(session, user, VoucherScheme, VoucherScheme.board_id == board.id,
                       VoucherScheme.year == year)]


def _entry(session: Session, user: User, e: VoucherProvider, providers: dict[int, str]
           ) -> vd.VoucherProviderDoc:
    reports = sorted(_rows(session, user, VoucherReport, VoucherReport.voucher_provider_id == e.id),
                     key=lambda r: (r.period_start, r.period_end))
    return vd.VoucherProviderDoc(
        provider=providers[e.provider_id], applied_on=e.applied_on, approved_on=e.approved_on,
        suspended_on=e.suspended_on, decision=e.decision, reports=[
            vd.VoucherReportDoc(period=r.period, vouchers_granted=r.vouchers_granted,
                               vouchers_used=r.vouchers_used, euros=r.euros,
                               customers=r.customers, comment=r.comment) for r in reports])
