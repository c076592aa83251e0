"""The canonical form of the audit trail's values and entries: the same JSON however a value
was given (Decimal('5') or '5.0000'), so that equal rows give equal entries and equal hashes.

Two converters of values, on purpose: ``plain`` converts any value, ``plain_row`` converts a
table's row with converters chosen once per column (``_converter``: the trail may get 10 000
rows at a time). They differ at the edges, so neither replaces the other: a column's converter
quantises a string in a Numeric column ('5.0' as '5.0000') and keeps a Decimal or float in an
Integer column as it is, where ``plain`` keeps the string and formats the number.
``canonical`` is the entry's JSON text that the chain hashes.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Column, Date, DateTime, Integer, Numeric, String, Table
from sqlalchemy import Enum as SAEnum

from app.core.db import as_utc

BOOKKEEPING = frozenset({"created_at", "created_by", "updated_at", "updated_by", "row_version"})


def plain(value: Any, column: Column[Any] | None = None) -> Any:
    """A JSON value that is the same however the value was given (Decimal('5') or '5.0000')."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | float) or (
        column is not None and isinstance(column.type, Numeric) and isinstance(value, int)
    ):
        number = Decimal(str(value))
        scale = column.type.scale if column is not None and isinstance(column.type, Numeric) else None
        if scale is not None:
            number = number.quantize(Decimal(1).scaleb(-scale))
        return format(number, "f")
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray | memoryview):
        # A document's bytes are in its own row; the trail keeps their digest and size.
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return value


def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    """The column's value as JSON, chosen once per column (the trail may get 10 000 rows)."""
    kind = column.type
    if isinstance(kind, Numeric) and kind.scale is not None:
        quantum = Decimal(1).scaleb(-kind.scale)

        def number(value: Any) -> Any:
            if value is None:
                return None
            value = value if isinstance(value, Decimal) else Decimal(str(value))
            return format(value.quantize(quantum), "f")
        return number
    if isinstance(kind, Integer | String) and not isinstance(kind, SAEnum):
        return lambda value: value.value if isinstance(value, Enum) else value
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return lambda value: value.isoformat() if isinstance(value, date) else value
    return lambda value: plain(value, column)


_converters: dict[str, dict[str, Callable[[Any], Any]]] = {}


def plain_row(table: Table, row: dict[str, Any], names: Iterable[str] | None = None) -> dict[str, Any]:
    converters = _converters.get(table.name)
    if converters is None:
        converters = _converters[table.name] = {c.name: _converter(c) for c in table.c}
    keys = [k for k in (names if names is not None else row) if k not in BOOKKEEPING]
    return {k: converters[k](row.get(k)) if k in converters else plain(row.get(k)) for k in keys}


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_SIMPLE = (str, int, bool, Decimal, date, type(None))


def equal(a: Any, b: Any) -> bool:
    if type(a) is type(b) and type(a) in _SIMPLE:
        return bool(a == b)  # the common case, quick (Decimal compares by value: 5 == 5.00)
    if isinstance(a, Decimal | int | float) and isinstance(b, Decimal | int | float) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return as_utc(a) == as_utc(b)
    return bool(plain(a) == plain(b))
