"""The reports' data: the parts both reports share (typed, pydantic; each report's own are in
app.reports.follow_up_data and agreement_data), as JSON (embedded in the PDF) and its size. No
database here, so that the rendering process imports little."""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class Data(BaseModel):
    """A part of a report's data: immutable once built, read by the templates as attributes."""

    model_config = ConfigDict(frozen=True)


class Span(Data):
    code: str
    start: date
    end: date


class Ref(Data):
    """A municipality or board: its id, code and name in the report's language."""

    id: int
    code: str
    name: str


class ProviderRef(Data):
    id: int
    code: str
    name: str
    kind: str
    business_id: str | None


class CodeTitle(Data):
    """A (long-term) goal's code and title."""

    code: str
    title: str


class Baseline(Data):
    year: int | None
    value: Decimal


class RewardRule(Data):
    """A measure's reward rule: ``fixed`` pays ``amount`` euros when the year's target is met;
    ``share`` pays ``percent`` per cent of the excess over the target, at most ``cap``."""

    kind: str
    amount: Decimal | None
    percent: Decimal | None
    cap: Decimal | None
    description: str | None


class RewardEntry(Data):
    """A measure's reward for a year (app.reports.rewards): earned (with its euros), not
    earned, or pending until the year is over and its values cover it."""

    measure_id: int
    code: str
    name: str
    unit: str
    direction: str
    goal: str  # the goal's code
    agreement: str  # the service agreement's code
    year: int
    rule: RewardRule
    target: Decimal | None  # the year's target
    value: Decimal | None  # the year's value as held against the target
    state: str  # earned | not_earned | pending
    earned: Decimal | None  # euros: the reward earned (0 when not earned, None while pending)


class ReportHeader(Data):
    """What every report's data starts with (and its PDF's metadata are)."""

    schema_: str = Field(serialization_alias="schema")  # e.g. sopimus/follow-up-report/1
    kind: str
    language: str
    title: str
    subject: str
    author: str
    filename: str
    generated_at: datetime  # UTC, whole seconds
    municipality: Ref
    board: Ref


class _Sized(Protocol):
    def measure_count(self) -> int: ...


def to_json(data: BaseModel) -> bytes:
    """The report's data as embedded in its PDF: decimals as strings, dates in ISO 8601."""
    plain = data.model_dump(mode="json", by_alias=True)
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def measure_count(data: _Sized) -> int:
    return data.measure_count()
