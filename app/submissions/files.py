"""Reading a table of indicator values from CSV or XLSX bytes as people save them.

One row per measure × period, its columns in any order (app.submissions.columns names them and
checks the header row). The rows are checked and stored by app.submissions.bulk.

Files as people save them: CSV in UTF-8 (with or without a byte order mark), UTF-16 with its
mark (Excel's "Unicode text") or Windows-1252 (Excel's "CSV" on Finnish Windows), separated by
semicolons, commas or tabs (the one that splits the header line into our column names). A CSV
row with more or fewer fields than the header row is an error naming the row: in a
comma-separated file an unquoted decimal comma (``66,5``) would otherwise move the fields.
Semicolon files take decimal commas as they are.

Hostile files cost little and get a clear answer:

- at most :data:`MAX_BYTES` are read (413), and :data:`MAX_ROWS` rows (413; at once when an
  XLSX sheet declares more);
- the header row is checked before any other row is read: unknown, repeated or missing columns,
  or more than :data:`MAX_COLUMNS`, refuse the file (422), as does the first value in a column
  the header row does not name;
- an XLSX is a zip: its entry count and declared unpacked size are checked with ``zipfile``
  *before* openpyxl opens it (413). zipfile never inflates an entry beyond its declared size
  (it stops and fails the CRC check), so the declared sizes bound the work;
- XML is parsed by openpyxl, which uses defusedxml's parsers when defusedxml is installed (it
  is a dependency; :func:`_require_defusedxml` refuses to read XLSX otherwise): no entity
  expansion ("billion laughs"), no external entities or DTD retrieval;
- anything else openpyxl or csv cannot read is a 422 naming the file, never a 500.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from app.core.errors import DomainError, InvalidInput, PayloadTooLarge
from app.submissions.columns import INPUT, KNOWN, RowError, columns, key_of

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000  # a provider's year is a few thousand; each row is parsed and checked
MAX_COLUMNS = 40
XLSX_MAX_ENTRIES = 100
XLSX_MAX_UNPACKED = 25 * 1024 * 1024  # a template of MAX_ROWS rows unpacks to some 13 MiB

DELIMITERS = (";", ",", "\t")
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cells)
    errors: list[RowError] = field(default_factory=list)  # rows that could not be read
    columns: dict[str, int] = field(default_factory=dict)  # column positions by key (columns())


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula starts with an apostrophe instead.

    Numbers (``-5``, ``+3.2``) are left as they are; they are not formulas.
    """
    if text.startswith(DANGEROUS_START):
        try:
            Decimal(text)
            return text
        except InvalidOperation:
            return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` on a cell read back from one of our own exports."""
    if text.startswith("'") and text[1:].startswith(DANGEROUS_START):
        return text[1:]
    return text


# -- reading the file --------------------------------------------------------------------------


def check_size(data: bytes) -> None:
    """413 for a file above :data:`MAX_BYTES` (also before one is stored as a job)."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
                              "split it into several files")


def read_table(data: bytes, filename: str = "") -> Table:
    """The header and rows of the file; a header that is not ours is refused before the rows
    are read, and a file with more than :data:`MAX_ROWS` rows as soon as that is known."""
    check_size(data)
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InvalidInput("Old Excel files (.xls) are not read; save the file as .xlsx or CSV")
    return _read_csv(data)


def _too_many_rows() -> PayloadTooLarge:
    return PayloadTooLarge(f"The file has more than {MAX_ROWS:,} rows (at most {MAX_ROWS:,} are "
                           "read); split it into several files".replace(",", " "))


def _header_row(cells: Iterable[Any]) -> tuple[list[str], dict[str, int]]:
    """The column names, without the empty cells at the end, and their positions by key;
    checked at once (:func:`columns`)."""
    headers = [_header(c) for c in cells]
    while headers and not headers[-1].strip():
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise InvalidInput(f"The header row has {len(headers)} columns; a file of values has at "
                           f"most {MAX_COLUMNS} (the columns are {', '.join(INPUT)} and the "
                           "template's informative columns)")
    return headers, columns(headers)


def _unnamed(number: int, headers: list[str], cells: tuple[Any, ...] | list[Any]) -> None:
    """A value in a column the header row does not name is refused with the file: it is not
    ours, and reading on would cost a row error per row."""
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if i >= len(headers) or not headers[i].strip():
            raise InvalidInput(
                f"Row {number}, column {get_column_letter(i + 1)} has a value but the header "
                "row has no name for that column; name the column (measure_code, period, "
                "value, comment …) or delete it", field="file")


def _require_defusedxml() -> None:
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("openpyxl must parse XML through defusedxml (install defusedxml and "
                           "do not set OPENPYXL_DEFUSEDXML=False)")


def _read_xlsx(data: bytes) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise InvalidInput("The file is not a valid XLSX workbook (it is not a zip archive)") \
            from None
    if len(entries) > XLSX_MAX_ENTRIES:
        raise PayloadTooLarge(f"The XLSX file has {len(entries)} parts; a workbook of values has "
                              f"at most {XLSX_MAX_ENTRIES}")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > XLSX_MAX_UNPACKED:
        raise PayloadTooLarge(f"The XLSX file unpacks to {unpacked // (1024 * 1024)} MiB; at most "
                              f"{XLSX_MAX_UNPACKED // (1024 * 1024)} MiB are read")
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise InvalidInput("The file is a zip archive but not an XLSX workbook")
    for entry in entries:
        if entry.filename.startswith("xl/worksheets/") and _rows_over(archive.read(entry)):
            raise _too_many_rows()
    _require_defusedxml()
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book["Arvot"] if "Arvot" in book.sheetnames else book.worksheets[0]
            return _sheet_table(sheet)
        finally:
            book.close()
    except DomainError:
        raise
    except Exception as exc:  # a malformed or hostile workbook: whatever openpyxl raises
        cause = exc.__cause__ or exc.__context__
        if isinstance(exc, DefusedXmlException) or isinstance(cause, DefusedXmlException):
            raise InvalidInput("The XLSX file could not be read: it declares XML entities or a "
                               "DTD, which are refused; save it again from the template or as "
                               "CSV") from None
        raise InvalidInput(f"The XLSX file could not be read ({type(exc).__name__}); save it "
                           "again from the template or as CSV") from None


# A worksheet's rows, counted in its bytes before openpyxl parses a cell: openpyxl reads a sheet
# without a <dimension> element through once just to size it.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _rows_over(sheet_xml: bytes) -> bool:
    """More than MAX_ROWS rows below the header: counted up to the first one too many, with no
    list of every match (a hostile sheet has millions)."""
    return next(islice(_ROW_TAG.finditer(sheet_xml), MAX_ROWS + 1, None), None) is not None


def _sheet_table(sheet: Any) -> Table:
    """The rows of a read-only worksheet, every cell parsed once (openpyxl's cost is per cell)."""
    declared = getattr(sheet, "max_row", None)  # the sheet's <dimension>, when it has one
    if isinstance(declared, int) and declared > MAX_ROWS + 1:
        raise _too_many_rows()
    # A wrong <dimension> would cut the rows short without a word: read every row there is.
    sheet.reset_dimensions()
    # Columns past MAX_COLUMNS are not read: no header may name them.
    rows_in = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
    headers, cols = _header_row(next(rows_in, ()))
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows_in, start=2):
        if number > MAX_ROWS + 1:
            raise _too_many_rows()
        _unnamed(number, headers, cells)
        rows.append((number, list(cells[:len(headers)])))
    return Table(headers, rows, columns=cols)


def _header(cell: Any) -> str:
    return "" if cell is None else str(cell)


BOMS = (  # longest first: UTF-32 LE starts with UTF-16 LE's mark
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
SAVE_AS = "save it from Excel as \"CSV UTF-8\" or as an XLSX workbook"


def _decode(data: bytes) -> str:
    """Text as people's tools save it: by its byte order mark (Excel's "CSV UTF-8" and
    "Unicode text"), else UTF-8, else Windows-1252 (Excel's "CSV" on Finnish Windows)."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise InvalidInput(f"The file starts as {name} text but is not valid {name}; "
                                   f"{SAVE_AS}", field="file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidInput(f"The file is neither UTF-8 nor Windows-1252 (ANSI) text; {SAVE_AS}",
                           field="file") from None


def _delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most of our column names (a comma
    in a comma-separated file's values cannot move it); without any, the most frequent."""
    def known(delimiter: str) -> int:
        return sum(key_of(name.strip().strip('"')) in KNOWN for name in line.split(delimiter))

    best = max(DELIMITERS, key=known)
    return best if known(best) else max(DELIMITERS, key=line.count)


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    if "\x00" in first_line:
        raise InvalidInput("The header row has NUL characters: the file is probably UTF-16 text "
                           f"without a byte order mark; {SAVE_AS}", field="file")
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = Table([], [])
    width = 0
    split_decimal: tuple[int, int] | None = None  # (value, comment) columns of a comma file
    line = 0
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if start == 1:
                table.headers, table.columns = _header_row(record)
                width = len(record)
                if delimiter == "," and "comment" in table.columns:
                    split_decimal = table.columns["value"], table.columns["comment"]
                continue
            if len(table.rows) + len(table.errors) >= MAX_ROWS:
                raise _too_many_rows()
            if all(not c.strip() for c in record):
                continue  # an empty line
            if len(record) != width:
                table.errors.append({"row": start, "column": "",
                                     "message": _field_count(len(record), width, delimiter)})
                continue
            _unnamed(start, table.headers, record)
            if split_decimal and _looks_split(record[split_decimal[0]], record[split_decimal[1]]):
                table.errors.append({"row": start, "column": table.headers[split_decimal[1]],
                                     "message": _split_message(record[split_decimal[0]],
                                                               record[split_decimal[1]])})
                continue
            table.rows.append((start, [unneutralise(c) for c in record[:len(table.headers)]]))
    except csv.Error as exc:
        raise InvalidInput(f"The CSV file could not be read at line {reader.line_num}: {exc}") \
            from None
    if line == 0:
        columns([])  # an empty file: the required columns are missing
    return table


def _looks_split(value: str, comment: str) -> bool:
    """66,5 unquoted in a row without a comment: the fields are right in number, but the
    value is 66 and the comment 5. A comment of digits alone explains nothing; refuse it."""
    value, comment = value.strip(), comment.strip()
    return value.lstrip("-").isdigit() and comment.isdigit()


def _split_message(value: str, comment: str) -> str:
    return (f"the value {value.strip()} is followed by a comment of only digits "
            f"({comment.strip()}); if the value is {value.strip()},{comment.strip()}, put it in "
            "quotes (\"66,5\") or separate the fields with semicolons")


def _field_count(fields: int, width: int, delimiter: str) -> str:
    """A row whose cells would land in the wrong columns: in a comma-separated file, most often
    a decimal comma that was not quoted (66,5 is read as two fields)."""
    message = f"the row has {fields} fields but the header row has {width}"
    if delimiter == ",":
        message += ("; in a comma-separated file put a number with a decimal comma in quotes "
                    "(\"66,5\") or separate the fields with semicolons")
    return message
