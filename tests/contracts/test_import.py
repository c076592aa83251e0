"""contracts/: every file validates, imports on both databases, is idempotent and round-trips;
broken copies are rejected with path-named errors and leave the database unchanged."""

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.agreements.models import AgreementStatus
from app.contracts import exporter
from app.contracts.importer import import_text
from app.contracts.loading import ImportFailed, parse, read_file
from app.contracts.schema import AgreementSet, json_schema
from app.core.db import Base
from app.demo import SYSTEM, contract_files
from app.indicators.models import IndicatorValue, Measure, ValueStatus
from app.submissions.models import IndicatorValueRevision

FILES = contract_files()
SCHEMA_FILE = Path(__file__).parents[2] / "contracts" / "schema" / "agreement-set.schema.json"


def count_rows(db: Session) -> dict[str, int]:
    return {t.name: db.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables}


def test_there_are_seed_files() -> None:
    assert {f.name[:3] for f in FILES} >= {"109", "837", "020"}


def test_the_json_schema_in_contracts_is_fresh() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema(), (
        "contracts/schema is stale: run .venv/bin/sopimus schema -o "
        "contracts/schema/agreement-set.schema.json")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_validates_against_the_json_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(data, default=str)), json.loads(json_schema()))
    AgreementSet.model_validate(data)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_import_is_idempotent_and_round_trips(db: Session, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = import_text(db, SYSTEM, text, path.name)
    assert first.created > 0 and not first.errors
    rows = count_rows(db)

    again = import_text(db, SYSTEM, text, path.name)
    assert (again.created, again.updated) == (0, 0)
    assert count_rows(db) == rows

    doc = parse(text)
    year = doc.service_agreements[0].year if doc.service_agreements else doc.framework_agreement.first_year
    exported = exporter.build(db, SYSTEM, doc.municipality.code, set_board(doc), year)
    # The export marks each version (a file without marks describes version 1, a draft).
    assert exported.service_agreements[0].version == 1
    assert exported.service_agreements[0].status is (doc.service_agreements[0].status
                                                     or AgreementStatus.draft)
    assert _unmarked(exported).model_dump() == _unmarked(_only_year(doc, year)).model_dump()
    # and the exported text imports back to the same thing
    reparsed = parse(exporter.dump(exported))
    assert reparsed.model_dump() == exported.model_dump()


def set_board(doc: AgreementSet) -> str:
    """The board whose set a file is: its framework agreement's, or (a file without one) its
    first service agreement's first board."""
    if doc.framework_agreement is not None:
        return doc.framework_agreement.board
    return doc.service_agreements[0].boards[0]


def _unmarked(doc: AgreementSet) -> AgreementSet:
    out = doc.model_copy(deep=True)
    for version in [out.framework_agreement, out.order_budget, *out.order_budgets,
                    *out.service_agreements]:
        if version is not None:
            version.version = version.status = version.approval = None
    return out


def _only_year(doc: AgreementSet, year: int) -> AgreementSet:
    out = doc.model_copy(deep=True)
    out.service_agreements = [s for s in doc.service_agreements if s.year == year]
    if out.order_budget and out.order_budget.year != year:
        out.order_budget = None
    return out


def _broken(path: Path, how: str) -> tuple[str, str]:
    """A broken copy of a seed file and the path its error must name."""
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(path.read_text(encoding="utf-8")))
    sa = data["service_agreements"][0]
    goal_index = next(i for i, g in enumerate(sa["goals"]) if g.get("measures"))
    goal = sa["goals"][goal_index]
    where = f"service_agreements[0].goals[{goal_index}].measures"
    if how == "wrong type":
        goal["measures"][0]["tolerance"] = "paljon"
        return yaml.safe_dump(data, allow_unicode=True), f"{where}[0].tolerance"
    if how == "unknown board":
        sa["boards"] = ["EIOLE"]
        return yaml.safe_dump(data, allow_unicode=True), "service_agreements[0].boards[0]"
    if how == "duplicate measure":
        goal["measures"].append(copy.deepcopy(goal["measures"][0]))
        return yaml.safe_dump(data, allow_unicode=True), f"{where}[{len(goal['measures']) - 1}].code"
    if how == "duplicate goal":
        sa["goals"].append(copy.deepcopy(goal))
        return yaml.safe_dump(data, allow_unicode=True), \
            f"service_agreements[0].goals[{len(sa['goals']) - 1}].code"
    if how == "target outside the years":
        last = data["framework_agreement"]["last_year"] if "framework_agreement" in data \
            else sa["year"]
        goal["measures"][0]["targets"] = {last + 3: 1}
        return yaml.safe_dump(data, allow_unicode=True), f"{where}[0]"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["wrong type", "unknown board", "duplicate measure",
                                 "duplicate goal", "target outside the years"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_broken_copy_is_rejected_with_its_path_and_changes_nothing(
    db: Session, path: Path, how: str
) -> None:
    text, error_path = _broken(path, how)
    before = count_rows(db)
    with pytest.raises(ImportFailed) as err:
        import_text(db, SYSTEM, text, path.name)
    paths = [e["path"] for e in err.value.errors]
    assert any(p.startswith(error_path) for p in paths), (error_path, err.value.errors)
    assert all(e["message"] for e in err.value.errors)
    assert count_rows(db) == before


def test_an_import_error_names_the_yaml_line(db: Session) -> None:
    """An error found while importing, not parsing, names its line as a parse error does."""
    path = next(f for f in FILES if f.name.startswith("109"))
    text, error_path = _broken(path, "unknown board")
    with pytest.raises(ImportFailed) as err:
        import_text(db, SYSTEM, text, path.name)
    error = next(e for e in err.value.errors if e["path"] == error_path)
    assert "EIOLE" in text.splitlines()[error["line"] - 1]

def test_errors_name_the_yaml_line(db: Session) -> None:
    text = next(f for f in FILES if f.name.startswith("109")).read_text(encoding="utf-8")
    broken = text.replace("first_year: 2013", "first_year: kaksituhatta", 1)
    with pytest.raises(ImportFailed) as err:
        parse(broken)
    error = err.value.errors[0]
    assert error["path"] == "framework_agreement.first_year"
    assert error["message"] == "expected a whole number"
    lines = broken.splitlines()
    assert "kaksituhatta" in lines[error["line"] - 1]


def test_an_edited_file_updates_what_changed(db: Session) -> None:
    path = next(f for f in FILES if f.name.startswith("109"))
    import_text(db, SYSTEM, path.read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["order_budget"]["lines"][0]["unit_price"] = 99.99
    removed = data["order_budget"]["lines"].pop()
    result = import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True))
    assert result.created == 0 and result.updated >= 2
    year = data["order_budget"]["year"]
    exported = exporter.build(db, SYSTEM, data["municipality"]["code"], data["order_budget"]["board"], year)
    assert exported.order_budget is not None
    assert str(exported.order_budget.lines[0].unit_price) == "99.99"
    assert (removed["product"], removed["provider"]) not in {
        (line.product, line.provider) for line in exported.order_budget.lines}


def test_a_changed_value_keeps_its_history_and_an_accepted_one_is_not_changed(
        db: Session) -> None:
    path = next(f for f in FILES if f.name.startswith("109"))
    import_text(db, SYSTEM, path.read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    goal = next(g for g in data["service_agreements"][0]["goals"]
                if any(m.get("values") for m in g.get("measures", [])))
    mi, measure = next((i, m) for i, m in enumerate(goal["measures"]) if m.get("values"))
    gi = data["service_agreements"][0]["goals"].index(goal)
    first = measure["values"][0]
    first["value"] = first["value"] + 1
    import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True))
    stored = db.scalars(select(IndicatorValue).where(IndicatorValue.period == first["period"])
                        .join(Measure).where(Measure.code == measure["code"])).one()
    history = db.scalars(select(IndicatorValueRevision).where(
        IndicatorValueRevision.indicator_value_id == stored.id)).all()
    assert [(h.old_value, h.new_value, h.reason) for h in history] == [
        (Decimal(first["value"] - 1), Decimal(first["value"]), "contracts import")]

    stored.status = ValueStatus.accepted
    db.flush()
    first["value"] = first["value"] + 1
    before = count_rows(db)
    with pytest.raises(ImportFailed) as err:
        import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True))
    assert [e["path"] for e in err.value.errors] == [
        f"service_agreements[0].goals[{gi}].measures[{mi}].values[0]"]
    assert "accepted on review" in err.value.errors[0]["message"]
    assert count_rows(db) == before
    db.refresh(stored)
    assert stored.value == Decimal(first["value"] - 1)


def test_a_measures_comparison_is_read_defaulted_and_written_back(db: Session) -> None:
    """Files name a comparison only where it is not what the roll-up suggests."""
    path = next(f for f in FILES if f.name.startswith("109"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    [sa] = data["service_agreements"]
    costs = next(m for g in sa["goals"] for m in g.get("measures", [])
                 if m["code"] == "KORJAAVAT-KUSTANNUKSET")
    hobby = next(m for g in sa["goals"] for m in g.get("measures", []) if m["code"] == "HARRASTUS")
    del hobby["comparison"]  # rollup last: compared as the latest level
    import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True))
    stored = dict(db.execute(select(Measure.code, Measure.comparison)).all())
    assert (stored["KORJAAVAT-KUSTANNUKSET"], stored["HARRASTUS"]) == (
        "pro_rated_sum", "latest_level")
    exported = exporter.build(db, SYSTEM, "109", "LANULA", sa["year"])
    measures = {m.code: m for s in exported.service_agreements for g in s.goals
                for m in g.measures}
    assert measures["KORJAAVAT-KUSTANNUKSET"].comparison == "pro_rated_sum"
    assert measures["HARRASTUS"].comparison is None  # the default is not written
    text = exporter.dump(exported)
    assert text.count("comparison:") == 3  # pro-rated costs, two target paths
    costs["comparison"] = "year_to_date_level"  # a draft's measure changes how it is compared
    result = import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True))
    assert result.updated == 1 and not result.errors
    assert db.scalar(select(Measure.comparison).where(
        Measure.code == "KORJAAVAT-KUSTANNUKSET")) == "year_to_date_level"


def _export_statements(db: Session, municipality: str, board: str, year: int) -> int:
    """The SQL statements one export of the set sends."""
    seen: list[str] = []
    bind = db.connection()

    def listener(*args: Any) -> None:
        seen.append(args[2])

    event.listen(bind, "before_cursor_execute", listener)
    try:
        exporter.build(db, SYSTEM, municipality, board, year)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    return len(seen)


def test_the_export_sends_as_many_statements_whatever_the_number_of_goals_and_measures(
        db: Session) -> None:
    path = next(f for f in FILES if f.name.startswith("109"))
    text = path.read_text(encoding="utf-8")
    import_text(db, SYSTEM, text, path.name)
    data = yaml.safe_load(text)
    agreement = data["service_agreements"][0]
    year, board = agreement["year"], data["framework_agreement"]["board"]
    # The same set as another municipality's, its agreement with three goals and six measures
    # more: the same versions, so only the goals and measures differ.
    data["municipality"]["code"] = "999"
    first = next(g for g in agreement["goals"] if g.get("measures"))
    per_goal = len(first["measures"])
    for n in range(3):
        goal = copy.deepcopy(first)
        goal["code"] = f"X{n}"
        agreement["goals"].append(goal)
    for n in range(6):
        measure = copy.deepcopy(first["measures"][0])
        measure["code"] = f"M{n}"
        first["measures"].append(measure)
    assert not import_text(db, SYSTEM, yaml.safe_dump(data, allow_unicode=True), "more").errors
    def measures(municipality: str) -> int:
        exported = exporter.build(db, SYSTEM, municipality, board, year)
        return sum(len(g.measures) for s in exported.service_agreements
                   if s.code == agreement["code"] for g in s.goals)

    assert measures("999") == measures("109") + 3 * per_goal + 6

    assert _export_statements(db, "999", board, year) == _export_statements(db, "109", board, year)


def test_a_file_that_cannot_be_read_is_named_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as refused:
        read_file(tmp_path / "missing.yaml")
    assert refused.value.errors[0]["message"] == "the file cannot be read: No such file or directory"
    assert "missing.yaml" in refused.value.detail
