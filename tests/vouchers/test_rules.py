"""The rules of a voucher scheme: its value by income band and household size, the customer's
deductible, the register's dates and the periods a provider reports (both databases)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.core.errors import Conflict, InvalidInput
from app.vouchers.models import VoucherProvider, VoucherReport, VoucherScheme, VoucherValue
from app.vouchers.service import settle, voucher_value
from tests.helpers import create
from tests.vouchers.helpers import voucher_world


def _table_scheme(db: Session) -> VoucherScheme:
    w = voucher_world(db)
    scheme: VoucherScheme = create(
        db, VoucherScheme, board_id=w["board"].id, product_id=w["product"].id, code="PERHE",
        year=2015, name_fi="Perheseteli", value_rule="income_table", deductible="5.00",
        budget_euros="150000.00")
    for band, size, limit, value in (("I", 2, "2400.00", "30.00"), ("I", 3, "2900.00", "31.00"),
                                     ("I", 4, "3400.00", "32.00"), ("II", 2, "3300.00", "25.00"),
                                     ("II", 4, "4700.00", "27.00"), ("III", 2, None, "18.00")):
        create(db, VoucherValue, scheme_id=scheme.id, income_band=band, household_size=size,
               income_limit=limit, value=value)
    return scheme


def test_the_value_is_read_from_the_table_by_band_and_household_size(db: Session) -> None:
    scheme = _table_scheme(db)
    assert voucher_value(db, scheme, "I", 3) == Decimal("31.00")
    assert voucher_value(db, scheme, "II", 2) == Decimal("25.00")
    # II has no row for three persons: the row for two counts, the largest size for more
    assert voucher_value(db, scheme, "II", 3) == Decimal("25.00")
    assert voucher_value(db, scheme, "I", 7) == Decimal("32.00")
    with pytest.raises(InvalidInput) as missing:
        voucher_value(db, scheme, "IV", 2)
    assert missing.value.field == "income_band"
    with pytest.raises(InvalidInput):  # no household of one in the table
        voucher_value(db, scheme, "I", 1)


def test_a_fixed_voucher_has_one_value_and_no_table(db: Session) -> None:
    w = voucher_world(db)
    assert voucher_value(db, w["scheme"], "whatever", 5) == Decimal("20.00")
    with pytest.raises(InvalidInput) as refused:
        create(db, VoucherValue, scheme_id=w["scheme"].id, income_band="I", household_size=1,
               value="10.00")
    assert refused.value.field == "scheme_id"
    with pytest.raises(InvalidInput) as no_value:
        create(db, VoucherScheme, board_id=w["board"].id, product_id=w["product"].id,
               code="ILMAN", year=2015, name_fi="Ilman arvoa", value_rule="fixed",
               budget_euros="1.00")
    assert no_value.value.field == "fixed_value"


@pytest.mark.parametrize(("price", "value", "deductible", "voucher", "customer"), [
    ("30.00", "25.00", "8.00", "22.00", "8.00"),  # the deductible is the least he pays
    ("30.00", "20.00", "8.00", "20.00", "10.00"),  # above the value he pays the difference
    ("6.00", "25.00", "8.00", "0.00", "6.00"),  # never more than the price
    ("27.35", "20.00", "0.00", "20.00", "7.35"),
])
def test_the_customer_pays_the_rest_and_at_least_the_deductible(
        price: str, value: str, deductible: str, voucher: str, customer: str) -> None:
    settled = settle(Decimal(price), Decimal(value), Decimal(deductible))
    assert (settled.voucher_pays, settled.customer_pays) == (Decimal(voucher), Decimal(customer))


def test_the_register_dates_follow_each_other(db: Session) -> None:
    w = voucher_world(db)
    scheme2 = create(db, VoucherScheme, board_id=w["board"].id, product_id=w["product"].id,
                     code="TOINEN", year=2015, name_fi="Toinen", value_rule="fixed",
                     fixed_value="10.00", budget_euros="100.00")
    with pytest.raises(InvalidInput) as early:
        create(db, VoucherProvider, scheme_id=scheme2.id, provider_id=w["other"].id,
               applied_on=date(2015, 3, 1), approved_on=date(2015, 2, 1))
    assert early.value.field == "approved_on"
    with pytest.raises(InvalidInput) as suspended:
        create(db, VoucherProvider, scheme_id=scheme2.id, provider_id=w["other"].id,
               applied_on=date(2015, 1, 1), suspended_on=date(2015, 6, 1))
    assert suspended.value.field == "suspended_on"


def test_a_provider_reports_periods_of_the_year_it_was_approved_once_each(db: Session) -> None:
    w = voucher_world(db)
    body = {"voucher_provider_id": w["other_entry"].id, "vouchers_granted": 10,
            "vouchers_used": 9, "euros": "180.00", "customers": 3}
    with pytest.raises(InvalidInput) as before:  # approved on 2.2.2015, after January
        create(db, VoucherReport, **body, period="2015-01")
    assert before.value.field == "period"
    with pytest.raises(InvalidInput):  # not the scheme's year
        create(db, VoucherReport, **body, period="2016-03")
    report = create(db, VoucherReport, **body, period="2015-Q1")
    assert (report.period_start, report.period_end) == (date(2015, 1, 1), date(2015, 3, 31))
    with pytest.raises(Conflict) as overlap:
        create(db, VoucherReport, **body, period="2015-T1")
    assert "2015-Q1" in overlap.value.detail
    create(db, VoucherReport, **body, period="2015-04")
