"""Bulk upload: CSV and XLSX, all rows or nothing, dry runs, the template, hostile files."""

import codecs
import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.core.i18n import LANGUAGES, t
from app.indicators.models import IndicatorValue
from app.submissions import bulk, columns, files
from app.submissions.models import IndicatorValueRevision
from tests.submissions.helpers import csv_bytes, submission_world, submit, upload

HEADER = ["measure_code", "period", "value", "comment"]


def stored(db: Session) -> dict[tuple[int, str], Decimal]:
    return {(v.measure_id, v.period): v.value for v in db.scalars(select(IndicatorValue))}


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(IndicatorValue)) or 0


def template(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    response = client.get("/api/v1/submissions/template.xlsx", headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def xlsx_bytes(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_good_csv_file_is_stored(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    data = csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1180", ""],
                      ["KAYNNIT", "2015-02", "1210.5", "Helmikuu"],
                      ["M1", "2015-T1", "64", ""], ["KAYNNIT", "2015-03", "", ""]])
    response = upload(client, w["hr"], data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["skipped"]) == (3, 0, 0, 1)
    assert [r["row"] for r in body["rows"]] == [2, 3, 4]
    assert stored(db) == {(w["visits"].id, "2015-01"): Decimal(1180),
                          (w["visits"].id, "2015-02"): Decimal("1210.5"),
                          (w["measure"].id, "2015-T1"): Decimal(64)}
    value = db.scalar(select(IndicatorValue).where(IndicatorValue.period == "2015-02"))
    assert value is not None
    assert (value.comment, value.status.value, value.created_by) == (
        "Helmikuu", "submitted", w["reporter"].username)


def test_a_file_with_bad_rows_is_rejected_with_every_bad_row_and_nothing_stored(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    data = csv_bytes([
        HEADER,
        ["KAYNNIT", "2015-01", "1180", "Monen\nrivin kommentti"],  # lines 2–3 of the file
        ["KAYNNIT", "2015-13", "1180", ""],  # line 4
        ["NOPE", "2015-02", "1", ""],
        ["KAYNNIT", "2015-02", "abc", ""],
        ["KAYNNIT", "2015-03", "900", ""],
        ["KAYNNIT", "2015-01", "1190", ""],
        ["M1", "2015-T1", "150", "x"],
        ["KAYNNIT", "2015-04", "1200", ""],
    ])
    response = upload(client, w["hr"], data, "toteumat.csv")
    assert response.status_code == 422
    body = response.json()
    errors = [(e["row"], e["column"]) for e in body["errors"]]
    assert errors == [(4, "period"), (5, "measure_code"), (6, "value"), (7, "comment"),
                      (8, "period"), (9, "value")]
    messages = {e["row"]: e["message"] for e in body["errors"]}
    assert "months are 01 to 12" in messages[4]
    assert "no measure NOPE" in messages[5]
    assert "'abc' is not a number" in messages[6]
    assert "misses the target 1200" in messages[7]
    assert "also on row 2" in messages[8]
    assert "largest allowed value 100" in messages[9]
    assert body["detail"].startswith("toteumat.csv: 6 row(s) with errors, nothing was stored")
    assert count(db) == 0
    finnish = upload(client, {**w["hr"], "Accept-Language": "fi"}, data, "toteumat.csv").json()
    in_finnish = {e["row"]: e["message"] for e in finnish["errors"]}
    assert in_finnish[6] == "”abc” ei ole luku"
    assert in_finnish[8] == "mittari KAYNNIT kaudelle 2015-01 on myös rivillä 2"


def test_a_dry_run_shows_what_would_change_and_stores_nothing(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    submit(client, w["hr"], w["visits"], "2015-01", "1180")
    submit(client, w["hr"], w["visits"], "2015-02", "1200")
    data = csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1180", ""],
                      ["KAYNNIT", "2015-02", "1215", ""], ["KAYNNIT", "2015-03", "1190", ""]])
    dry = upload(client, w["hr"], data, dry_run=True)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["dry_run"], body["created"], body["updated"], body["unchanged"]) == (
        True, 1, 1, 1)
    assert [(r["period"], r["action"], r["old_value"] and Decimal(r["old_value"]))
            for r in body["rows"]] == [("2015-02", "updated", 1200), ("2015-03", "created", None)]
    assert count(db) == 2
    assert stored(db)[(w["visits"].id, "2015-02")] == 1200
    real = upload(client, w["hr"], data).json()
    assert (real["dry_run"], real["created"], real["updated"]) == (False, 1, 1)
    assert stored(db)[(w["visits"].id, "2015-02")] == 1215
    value_id = db.scalar(select(IndicatorValue.id).where(IndicatorValue.period == "2015-02"))
    [revision] = client.get(f"/api/v1/indicator-values/{value_id}/history",
                            headers=w["hr"]).json()["revisions"]
    assert revision["reason"] == "file upload arvot.csv, row 3"


def test_the_xlsx_template_is_prefilled_and_protected_and_comes_back_as_an_upload(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    submit(client, w["hr"], w["visits"], "2015-01", "1180", comment="=1+1 ei kaava")
    book = template(client, w["hr"], year=2015)
    sheet = book["Arvot"]
    assert sheet.protection.sheet is True
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Sopimus", "Tavoite", "Mittarin tunnus"]  # Finnish unless asked
    rows = {(r[2].value, r[7].value): r for r in sheet.iter_rows(min_row=2)}
    assert len(rows) == 15
    january = rows[("KAYNNIT", "2015-01")]
    col = {key: headers.index(t(heading, "fi")) for key, heading in columns.HEADINGS.items()}
    assert january[col["agreement"]].value == "SA1"
    assert january[col["value"]].value == 1180
    assert january[col["comment"]].value == "=1+1 ei kaava"
    assert january[col["comment"]].data_type == "s"  # text, not a formula
    assert january[col["value"]].protection.locked is False
    assert january[col["measure_code"]].protection.locked is True
    assert january[col["target"]].protection.locked is True
    assert january[col["target"]].value == 1200
    assert book["Ohje"]["A1"].value == "Toteumien lataaminen tiedostona"

    rows[("KAYNNIT", "2015-02")][col["value"]].value = 1205
    rows[("KAYNNIT", "2015-03")][col["value"]].value = "1 190,5"
    rows[("M1", "2015-T1")][col["value"]].value = 61.5
    response = upload(client, w["hr"], xlsx_bytes(book), "toteumat.xlsx")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["unchanged"], body["skipped"]) == (3, 1, 11)
    assert stored(db)[(w["visits"].id, "2015-03")] == Decimal("1190.5")
    assert stored(db)[(w["measure"].id, "2015-T1")] == Decimal("61.5")
    again = upload(client, w["hr"], xlsx_bytes(book), "toteumat.xlsx").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_the_template_in_swedish_has_swedish_headings_and_comes_back_as_an_upload(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    book = template(client, w["hr"], year=2015, language="sv")
    sheet = book["Värden"]
    headers = [c.value for c in sheet[1]]
    assert headers == ["Avtal", "Mål", "Mätarens kod", "Mätarens namn", "Enhet", "Målnivå",
                       "Tolerans", "Period", "Förfallodag", "Status", "Utfall", "Kommentar"]
    assert book["Anvisning"]["A1"].value == "Att lämna in utfall som fil"
    row = next(r for r in sheet.iter_rows(min_row=2)
               if (r[2].value, r[7].value) == ("KAYNNIT", "2015-01"))
    assert row[9].value == "Försenat"
    row[10].value = 1180
    response = upload(client, w["hr"], xlsx_bytes(book), "värden.xlsx")
    assert response.status_code == 200, response.text
    assert stored(db)[(w["visits"].id, "2015-01")] == Decimal(1180)


def test_every_heading_of_the_template_in_every_language_names_its_column() -> None:
    for lang in LANGUAGES:
        headings = [t(heading, lang) for heading in columns.HEADINGS.values()]
        assert columns.columns(headings) == {key: i for i, key in enumerate(columns.HEADINGS)}


def test_a_semicolon_csv_with_finnish_headers_and_decimal_commas_is_read(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    data = ("\ufeffMittari;Kausi;Arvo;Kommentti\r\nKAYNNIT;2015-04;1 234,5;Huhtikuu\r\n"
            "KAYNNIT;2015-05;1200;\r\n").encode("utf-8")
    response = upload(client, w["hr"], data)
    assert response.status_code == 200, response.text
    assert stored(db)[(w["visits"].id, "2015-04")] == Decimal("1234.5")
    latin = "mittari;kausi;arvo;kommentti\nKAYNNIT;2015-06;1200;Kesäkuu\n".encode("cp1252")
    assert upload(client, w["hr"], latin).status_code == 200
    comment = db.scalar(select(IndicatorValue.comment).where(IndicatorValue.period == "2015-06"))
    assert comment == "Kesäkuu"


def test_the_header_row_is_checked_first(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    data = csv_bytes([["measure_code", "vaule", "comment", "comment"], ["KAYNNIT", "1", "", ""]])
    response = upload(client, w["hr"], data)
    assert response.status_code == 422
    assert [(e["row"], e["column"], e["message"][:14]) for e in response.json()["errors"]] == [
        (1, "vaule", "unknown column"), (1, "comment", "the column app"),
        (1, "period", "required colum"), (1, "value", "required colum")]
    swedish = upload(client, {**w["hr"], "Accept-Language": "sv"}, data).json()
    assert [e["message"] for e in swedish["errors"]][1:] == [
        "kolumnen finns två gånger", "en obligatorisk kolumn saknas",
        "en obligatorisk kolumn saknas"]
    assert swedish["errors"][0]["message"].startswith("okänd kolumn; kolumnerna är measure_code")


def test_a_locked_value_cannot_be_changed_by_a_file(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    value_id = submit(client, w["hr"], w["visits"], "2015-01", "1180").json()[
        "indicator_value"]["id"]
    client.post(f"/api/v1/indicator-values/{value_id}/review", headers=w["hp"],
                json={"decision": "accept"})
    same = upload(client, w["hr"], csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1180", ""]]))
    assert same.json()["unchanged"] == 1
    changed = upload(client, w["hr"], csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1181", ""]]))
    assert changed.status_code == 422
    assert "closed on 2015-03-15" in changed.json()["errors"][0]["message"]


def test_corrections_by_file_are_in_the_audit_trail_value_by_value(
        client: TestClient, db: Session) -> None:
    w = submission_world(db)
    ids = [submit(client, w["hr"], w["visits"], period, value).json()["indicator_value"]["id"]
           for period, value in (("2015-01", "1180"), ("2015-02", "1200"))]
    last = db.scalar(select(func.max(AuditEntry.id)))
    response = upload(client, w["hr"], csv_bytes([
        HEADER, ["KAYNNIT", "2015-01", "1190", "Korjattu"], ["KAYNNIT", "2015-02", "1200", ""]]))
    assert (response.json()["updated"], response.json()["unchanged"]) == (1, 1), response.text
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.id > last)))
    assert [(e.action, e.entity, e.entity_id, e.user, e.before["value"], e.after["value"],
             e.after["comment"]) for e in entries] == [
        ("update", "indicator_values", ids[0], w["reporter"].username, "1180.0000", "1190.0000",
         "Korjattu")]
    revision = db.scalars(select(IndicatorValueRevision)
                          .where(IndicatorValueRevision.indicator_value_id == ids[0])).all()[-1]
    assert (revision.old_value, revision.new_value, revision.reason) == (
        Decimal(1180), Decimal(1190), "file upload arvot.csv, row 2")


def test_a_value_changed_while_the_file_is_checked_rejects_the_file(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    w = submission_world(db)
    value_id = submit(client, w["hr"], w["visits"], "2015-01", "1180").json()[
        "indicator_value"]["id"]
    checked = bulk.plan
    values = IndicatorValue.__table__

    def someone_writes_after_the_check(*args: Any, **kwargs: Any) -> Any:
        result = checked(*args, **kwargs)
        db.execute(update(values).where(values.c.id == value_id)
                   .values(row_version=values.c.row_version + 1))
        return result

    monkeypatch.setattr(bulk, "plan", someone_writes_after_the_check)
    response = upload(client, w["hr"], csv_bytes([
        HEADER, ["KAYNNIT", "2015-02", "1210", ""], ["KAYNNIT", "2015-01", "1190", ""]]))
    assert response.status_code == 409, response.text
    assert "changed by someone else" in response.json()["detail"]
    assert stored(db) == {(w["visits"].id, "2015-01"): Decimal(1180)}


def test_who_may_upload_for_which_provider(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    data = csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1180", ""]])
    assert upload(client, w["hr"], data, provider_id=999).status_code == 404
    assert upload(client, w["hb"], data).status_code == 403
    purchaser = upload(client, w["hp"], data)
    assert purchaser.status_code == 422 and purchaser.json()["errors"][0]["field"] == \
        "provider_id"
    assert upload(client, w["hp"], data, provider_id=w["provider"].id).status_code == 200
    assert client.get("/api/v1/submissions/template.xlsx", headers=w["hp"],
                      params={"provider_id": w["provider"].id}).status_code == 200


def test_the_same_idempotency_key_uploads_a_file_once(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    data = csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1180", ""]])
    key = {"Idempotency-Key": "upload-2015-01"}
    first = client.post("/api/v1/submissions/bulk", headers={**w["hr"], **key},
                        files={"file": ("a.csv", data)})
    again = client.post("/api/v1/submissions/bulk", headers={**w["hr"], **key},
                        files={"file": ("a.csv", data)})
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/submissions/bulk", headers={**w["hr"], **key},
                        files={"file": ("a.csv", data.replace(b"1180", b"1181"))})
    assert other.status_code == 422
    assert stored(db) == {(w["visits"].id, "2015-01"): Decimal(1180)}


def test_the_csv_export_neutralises_formulas_and_can_be_uploaded_again(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    submit(client, w["hr"], w["visits"], "2015-01", "1180", comment='=HYPERLINK("http://x")')
    submit(client, w["hr"], w["visits"], "2015-02", "1190", comment="@SUM(A1)")
    submit(client, w["hr"], w["measure"], "2015-T1", "-0")
    response = client.get("/api/v1/submissions/export.csv", headers=w["hr"])
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("agreement;goal;measure_code;measure_name;unit;period;value")
    assert '\'=HYPERLINK(""http://x"")' in text and ";'@SUM(A1);" in text
    assert not any(cell.startswith(("=", "+", "@")) for line in lines for cell in line.split(";"))
    again = upload(client, w["hr"], response.content, "export.csv")
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 3
    comment = db.scalar(select(IndicatorValue.comment).where(IndicatorValue.period == "2015-01"))
    assert comment == '=HYPERLINK("http://x")'


# -- hostile files ---------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_hostile_files_get_a_clear_413_or_422(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    too_big = upload(client, w["hr"], b"a" * (files.MAX_BYTES + 1))
    assert too_big.status_code == 413

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            for _ in range(51):
                entry.write(b"\0" * (1024 * 1024))
    assert len(bomb.getvalue()) < 200_000
    response = upload(client, w["hr"], bomb.getvalue(), "pommi.xlsx")
    assert response.status_code == 413 and "unpacks to 51 MiB" in response.json()["detail"]

    many = _zip({"xl/workbook.xml": b"<workbook/>",
                 **{f"xl/media/{i}.bin": b"x" for i in range(files.XLSX_MAX_ENTRIES)}})
    assert upload(client, w["hr"], many, "monta.xlsx").status_code == 413

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    good = xlsx_bytes(book)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
              b'</sheetData></worksheet>')
    with zipfile.ZipFile(io.BytesIO(good)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = laughs
    response = upload(client, w["hr"], _zip(parts), "naurua.xlsx")
    assert response.status_code == 422 and "XML entities" in response.json()["detail"]
    external = laughs.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol SYSTEM "file:///etc/passwd">')
    parts["xl/worksheets/sheet1.xml"] = external
    assert upload(client, w["hr"], _zip(parts), "ulkoinen.xlsx").status_code == 422

    assert upload(client, w["hr"], b"not a zip", "toteumat.xlsx").status_code == 422
    assert upload(client, w["hr"], _zip({"a.txt": b"x"}), "a.xlsx").status_code == 422
    assert upload(client, w["hr"], b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                  "vanha.xls").status_code == 422
    nul = upload(client, w["hr"], csv_bytes([HEADER, ["KAYNNIT", "2015-01", "1180", "a\0b"]]))
    assert nul.status_code == 422 and nul.json()["errors"][0]["column"] == "comment"
    assert client.post("/api/v1/submissions/bulk", headers=w["hr"],
                       json={"file": "x"}).status_code == 422
    assert count(db) == 0


# -- files as people make them ---------------------------------------------------------------


def test_an_unquoted_decimal_comma_in_a_comma_separated_file_rejects_it_naming_the_row(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    data = (b"measure_code,period,value,comment\n"
            b"M1,2015-T1,66,5,\n"  # Excel's empty comment after the split value: 5 fields
            b"M1,2015-T2,70,5\n"  # no comment: 4 fields, 70 with the comment "5"
            b"KAYNNIT,2015-01,\"1180,5\",\n")  # quoted: read as 1180.5
    response = upload(client, w["hr"], data)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, ""), (3, "comment")]
    assert errors[0]["message"] == (
        "the row has 5 fields but the header row has 4; in a comma-separated file put a number "
        "with a decimal comma in quotes (\"66,5\") or separate the fields with semicolons")
    assert "if the value is 70,5, put it in quotes" in errors[1]["message"]
    assert count(db) == 0


ROWS = [("measure_code", "period", "value", "comment"),
        ("KAYNNIT", "2015-01", "1180,5", "Kesäkuun töitä siirtyi; myöhemmin"),
        ("M1", "2015-T1", "64,25", "")]


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-16", "\t"),  # Excel's "Unicode text": UTF-16 LE with its byte order mark, tabs
    ("utf-16-be-bom", ";"),
    ("utf-8-sig", ","),  # Excel's "CSV UTF-8"
    ("utf-8", "\t"),
    ("cp1252", ";"),  # Excel's "CSV" on Finnish Windows
])
def test_text_files_as_excel_saves_them_are_stored_exactly(
    client: TestClient, db: Session, encoding: str, delimiter: str
) -> None:
    w = submission_world(db)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [[c.replace(",", ".") if delimiter == "," and c[:1].isdigit() else c for c in row]
         for row in ROWS])
    text = out.getvalue()
    data = (codecs.BOM_UTF16_BE + text.encode("utf-16-be") if encoding == "utf-16-be-bom"
            else text.encode(encoding))
    response = upload(client, w["hr"], data)
    assert response.status_code == 200, response.text
    assert stored(db) == {(w["visits"].id, "2015-01"): Decimal("1180.5"),
                          (w["measure"].id, "2015-T1"): Decimal("64.25")}
    comment = db.scalar(select(IndicatorValue.comment).where(IndicatorValue.period == "2015-01"))
    assert comment == "Kesäkuun töitä siirtyi; myöhemmin"


def test_text_that_is_no_known_encoding_is_refused_saying_how_to_save_it(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    no_bom = "measure_code;period;value\nKAYNNIT;2015-01;1180\n".encode("utf-16-le")
    response = upload(client, w["hr"], no_bom)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The header row has NUL characters: the file is probably UTF-16 text without a byte "
        "order mark; save it from Excel as \"CSV UTF-8\" or as an XLSX workbook")
    assert count(db) == 0


def test_a_file_of_500_bad_rows_lists_the_first_100_errors_and_counts_the_rest(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    data = csv_bytes([HEADER, *(["NOPE", "2015-01", "1", ""] for _ in range(500))])
    response = upload(client, w["hr"], data)
    assert response.status_code == 422
    body = response.json()
    assert [e["row"] for e in body["errors"]] == list(range(2, 102))
    assert (body["rows_with_errors"], body["errors_not_listed"]) == (500, 400)
    assert count(db) == 0


def _sheet(rows_xml: bytes) -> bytes:
    """An XLSX workbook whose sheet is ``rows_xml`` (as a tool other than Excel may write it)."""
    book = openpyxl.Workbook()
    book.active.append(["x"])
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(book))) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><sheetData>' + rows_xml + b"</sheetData></worksheet>")
    return _zip(parts)


def _row(*cells: str | int) -> bytes:
    return b"<row>" + b"".join(
        f"<c><v>{c}</v></c>".encode() if isinstance(c, int)
        else f'<c t="inlineStr"><is><t>{c}</t></is></c>'.encode() for c in cells) + b"</row>"


def test_a_file_over_the_row_limit_is_refused_at_once(client: TestClient, db: Session) -> None:
    w = submission_world(db)
    header = _row("measure_code", "period", "value")
    many = _sheet(header + _row("KAYNNIT", "2015-01", 1180) * (files.MAX_ROWS + 1))
    response = upload(client, w["hr"], many, "paljon.xlsx")
    assert response.status_code == 413
    assert response.json()["detail"] == ("The file has more than 20 000 rows (at most 20 000 are "
                                         "read); split it into several files")
    text = csv_bytes([HEADER, *(["KAYNNIT", "2015-01", "1180", ""]
                                for _ in range(files.MAX_ROWS + 1))])
    assert upload(client, w["hr"], text).status_code == 413
    assert count(db) == 0


def test_a_value_in_a_column_the_header_does_not_name_refuses_the_file(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    rows = _row("measure_code", "period", "value") + _row("KAYNNIT", "2015-01", 1180) \
        + _row("KAYNNIT", "2015-02", 1190, "x", 5) * 1000
    response = upload(client, w["hr"], _sheet(rows), "sarakkeet.xlsx")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "file", "message": (
        "Row 3, column D has a value but the header row has no name for that column; name the "
        "column (measure_code, period, value, comment …) or delete it")}]
    assert count(db) == 0


def test_a_sheet_of_many_columns_not_ours_is_one_error_before_its_rows_are_read(
    client: TestClient, db: Session
) -> None:
    w = submission_world(db)
    extra = [f"extra_{i}" for i in range(5, 41)]
    rows = [HEADER + extra, *([*["KAYNNIT", "2015-01", "1180", ""], *["1"] * 36]
                               for _ in range(2000))]
    response = upload(client, w["hr"], csv_bytes(rows))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"row": 1, "column": "extra_5", "message": (
        "unknown column, as are 35 others (extra_6, extra_7, extra_8 …); the columns are "
        "measure_code, period, value, comment, agreement, goal (and the template's informative "
        "columns)")}]
    assert count(db) == 0
