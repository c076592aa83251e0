"""Service vouchers in the contracts format: the Jyväskylä set (33 + 14 approved providers)
imports into an empty database on both databases, once; its export imports into another empty
database and exports back byte for byte, as does every file under contracts/; a broken scheme
is refused naming its path and changes nothing."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.contracts import exporter
from app.contracts.importer import import_text
from app.contracts.loading import ImportFailed, parse
from app.core.migrate import upgrade
from app.demo import SYSTEM, contract_files
from app.organisations.models import Provider
from app.vouchers.models import VoucherProvider, VoucherReport, VoucherScheme, VoucherValue
from tests.conftest import empty_database
from tests.contracts.test_import import set_board
from tests.vouchers.helpers import JKL


@pytest.fixture
def empty_db(db: Session, tmp_path: Path) -> Any:
    """A second, empty database of the same kind as ``db``."""
    engine, drop = empty_database(db.get_bind().dialect.name, tmp_path)
    upgrade(engine)
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        yield session
    drop()


def _count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _export(db: Session, text: str) -> str:
    doc = parse(text)
    year = (doc.service_agreements[0].year if doc.service_agreements
            else doc.framework_agreement.first_year)
    return exporter.dump(exporter.build(db, SYSTEM, doc.municipality.code, set_board(doc), year))


def test_the_jyvaskyla_set_imports_once_with_its_register(db: Session) -> None:
    text = JKL.read_text(encoding="utf-8")
    first = import_text(db, SYSTEM, text, JKL.name)
    assert first.created > 0 and not first.errors
    counts = [_count(db, m) for m in (VoucherScheme, VoucherValue, VoucherProvider, VoucherReport)]
    assert counts == [2, 9, 33 + 14, 2 * 33 - 1 + 2 * 13]
    again = import_text(db, SYSTEM, text, JKL.name)
    assert (again.created, again.updated) == (0, 0)
    family = db.scalars(select(VoucherScheme).where(VoucherScheme.code == "PERHE-KOTIPALVELU")).one()
    assert (family.budget_euros, family.deductible) == (Decimal("150000.00"), Decimal("5.00"))


def test_an_edited_scheme_updates_and_drops_what_the_file_no_longer_lists(db: Session) -> None:
    import_text(db, SYSTEM, JKL.read_text(encoding="utf-8"), JKL.name)
    data = yaml.safe_load(JKL.read_text(encoding="utf-8"))
    elderly = data["voucher_schemes"][0]
    elderly["budget_euros"] = 480000
    removed = elderly["providers"].pop()
    import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True), "edited.yaml")
    scheme = db.scalars(select(VoucherScheme).where(VoucherScheme.code == elderly["code"])).one()
    assert scheme.budget_euros == Decimal("480000.00")
    assert _count(db, VoucherProvider) == 33 + 14 - 1
    in_register = db.scalars(select(Provider.code).join(
        VoucherProvider, VoucherProvider.provider_id == Provider.id).where(
        VoucherProvider.scheme_id == scheme.id)).all()
    assert removed["provider"] not in in_register and len(in_register) == 32


def test_the_export_imports_into_an_empty_database_and_exports_back_the_same(
        db: Session, empty_db: Session) -> None:
    import_text(db, SYSTEM, JKL.read_text(encoding="utf-8"), JKL.name)
    exported = _export(db, JKL.read_text(encoding="utf-8"))
    assert "voucher_schemes:" in exported and "LANULA" not in exported
    import_text(empty_db, SYSTEM, exported, "export.yaml")
    empty_db.commit()
    assert _export(empty_db, exported) == exported


@pytest.mark.parametrize("path", contract_files(), ids=lambda p: p.name)
def test_every_contracts_file_round_trips_export_import_export(
        db: Session, empty_db: Session, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    import_text(db, SYSTEM, text, path.name)
    exported = _export(db, text)
    import_text(empty_db, SYSTEM, exported, "export.yaml")
    empty_db.commit()
    assert _export(empty_db, exported) == exported


@pytest.mark.parametrize(("how", "where"), [
    ("unknown provider", "voucher_schemes[1].providers[0].provider"),
    ("both value rules", "voucher_schemes[1].value_table"),
    ("report before approval", "voucher_schemes[0].providers[2].reports[0].period"),
    ("provider twice", "voucher_schemes[0].providers[1].provider"),
])
def test_a_broken_scheme_is_refused_naming_its_path(db: Session, how: str, where: str) -> None:
    data = yaml.safe_load(JKL.read_text(encoding="utf-8"))
    elderly, family = data["voucher_schemes"]
    if how == "unknown provider":
        family["providers"][0]["provider"] = "EI-OLE"
    elif how == "both value rules":
        family["fixed_value"] = 25
    elif how == "report before approval":
        elderly["providers"][2]["approved_on"] = "2010-06-01"
    else:
        elderly["providers"][1]["provider"] = elderly["providers"][0]["provider"]
    with pytest.raises(ImportFailed) as refused:
        import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True), "broken.yaml")
    assert where in [e["path"] for e in refused.value.errors]
    assert _count(db, VoucherScheme) == 0
