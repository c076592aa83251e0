"""Small helpers of the submission tests: a world with a reporter, a purchaser and measures."""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.indicators.models import Measure
from tests.helpers import auth, create, create_user, create_world


def submission_world(db: Session) -> dict[str, Any]:
    """create_world (agreement 2015 of provider P1, framework 2013–2016) with a monthly measure
    'KAYNNIT' (visits, target 1200 a month as 14 400 a year, summed), a reporter of P1, a
    purchaser manager and a board member, and their auth headers."""
    w = create_world(db)
    w["visits"] = add_measure(db, w, "KAYNNIT", frequency="month", unit="käyntiä",
                              rollup="sum", targets=[{"year": 2015, "value": 14400}],
                              tolerance=100, min_value=0)
    m = w["municipality"]
    w["reporter"] = create_user(db, Role.provider_reporter, m, provider_id=w["provider"].id)
    w["purchaser"] = create_user(db, Role.purchaser_manager, m)
    w["member"] = create_user(db, Role.board_member, m, board_id=w["board"].id)
    w["hr"], w["hp"], w["hb"] = (auth(db, w["reporter"]), auth(db, w["purchaser"]),
                                 auth(db, w["member"]))
    return w


def add_measure(db: Session, w: dict[str, Any], code: str, **fields: Any) -> Measure:
    data: dict[str, Any] = {"goal_id": w["goal"].id, "code": code, "name": f"Mittari {code}",
                            "unit": "kpl", "direction": "higher_is_better",
                            "frequency": "tertial", "rollup": "last", **fields}
    measure: Measure = create(db, Measure, **data)
    return measure


def submit(client: TestClient, headers: dict[str, str], measure: Measure, period: str,
           value: str, comment: str | None = None, reason: str | None = None,
           **extra_headers: str) -> Any:
    body: dict[str, Any] = {"measure_id": measure.id, "period": period, "value": value}
    if comment is not None:
        body["comment"] = comment
    if reason is not None:
        body["reason"] = reason
    return client.post("/api/v1/submissions", json=body, headers={**headers, **extra_headers})


def csv_bytes(rows: list[list[Any]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client: TestClient, headers: dict[str, str], data: bytes, name: str = "arvot.csv",
           **params: Any) -> Any:
    return client.post("/api/v1/submissions/bulk", headers=headers, params=params,
                       files={"file": (name, data, "application/octet-stream")})
