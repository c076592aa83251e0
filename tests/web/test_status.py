"""The purchaser's traffic light: the latest value against its target, direction and tolerance."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.indicators.models import Direction
from app.web.status import measure_status


@dataclass
class M:
    direction: Direction
    tolerance: Decimal


@pytest.mark.parametrize(("direction", "value", "expected"), [
    (Direction.higher_is_better, "80", "on_track"), (Direction.higher_is_better, "90", "on_track"),
    (Direction.higher_is_better, "75", "at_risk"), (Direction.higher_is_better, "74.9", "off_track"),
    (Direction.lower_is_better, "80", "on_track"), (Direction.lower_is_better, "85", "at_risk"),
    (Direction.lower_is_better, "85.1", "off_track"), (Direction.lower_is_better, "1", "on_track"),
])
def test_the_light_follows_direction_and_tolerance(direction: Direction, value: str,
                                                   expected: str) -> None:
    assert measure_status(M(direction, Decimal(5)), Decimal(80), Decimal(value)) == expected


def test_without_a_value_or_a_target_there_is_no_value() -> None:
    m = M(Direction.higher_is_better, Decimal(0))
    assert measure_status(m, Decimal(80), None) == "no_value"
    assert measure_status(m, None, Decimal(80)) == "no_value"
