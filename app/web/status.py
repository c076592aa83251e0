"""The traffic light of a measure on the purchaser's pages: on track, at risk, off track or no
value (liikennevalo).

A small stand-in: the reports package has the full status logic with the roll-up of a year's
periods, which the lead will swap in here after merging it. Keep the interface
``measure_status(measure, target, value) -> str``.
"""

from decimal import Decimal
from typing import Any

from app.indicators.models import Direction

ON_TRACK, AT_RISK, OFF_TRACK, NO_VALUE = "on_track", "at_risk", "off_track", "no_value"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_VALUE)


def measure_status(measure: Any, target: Decimal | None, value: Decimal | None) -> str:
    """Compare the latest ``value`` to its ``target`` in the measure's direction.

    ``measure`` has ``direction`` and ``tolerance`` (in the measure's unit). On the good side of
    the target (or on it): on track; on the wrong side by at most the tolerance: at risk;
    further: off track. Without a value, or without a target to compare it with: no value.
    """
    if value is None or target is None:
        return NO_VALUE
    gap = target - value if measure.direction == Direction.higher_is_better else value - target
    if gap <= 0:
        return ON_TRACK
    return AT_RISK if gap <= (measure.tolerance or Decimal(0)) else OFF_TRACK
