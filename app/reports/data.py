"""The report's data as JSON (embedded in the PDF) and its size: no database here, so that
the rendering process imports little."""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: dict[str, Any]) -> bytes:
    """The report's data as embedded in its PDF: decimals as strings, dates in ISO 8601."""
    return json.dumps(data, default=_encode, ensure_ascii=False, sort_keys=True,
                      indent=1).encode("utf-8")


def measure_count(data: dict[str, Any]) -> int:
    if data["kind"] == "follow_up":
        return sum(len(g["measures"]) for s in data["perspectives"] for a in s["agreements"]
                   for g in a["goals"])
    return sum(len(g["measures"]) for g in data["goals"])
