"""Diffs of agreement versions as text, for the command line (``sopimus diff``)."""

from decimal import Decimal
from typing import Any

from app.lifecycle.diff import (
    FieldChange,
    FrameworkAgreementDiff,
    OrderBudgetDiff,
    ServiceAgreementDiff,
)


def euros(amount: Decimal, sign: bool = True) -> str:
    text = f"{amount:+,.2f}" if sign else f"{amount:,.2f}"
    return text.replace(",", " ") + " €"


def _money(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:,.2f}".replace(",", " ")


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def _field_lines(fields: list[FieldChange], indent: str) -> list[str]:
    return [f"{indent}{f.field}: {_value(f.from_)} → {_value(f.to)}" for f in fields]


def render_budget(diff: OrderBudgetDiff, indent: str = "") -> list[str]:
    out = [f"{indent}Order budget {diff.from_.label}: version {diff.from_.version} "
           f"({diff.from_.status.value}) → version {diff.to.version} ({diff.to.status.value})"]
    out += _field_lines(diff.fields, indent + "  ")
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for line in diff.lines:
        head = f"{indent}  {marks[line.change]} {line.product} / {line.provider}: "
        if line.change == "changed":
            parts = []
            if line.volume_from != line.volume_to:
                parts.append(f"volume {_value(line.volume_from)} → {_value(line.volume_to)}")
            if line.unit_price_from != line.unit_price_to:
                parts.append(f"unit price {_money(line.unit_price_from)} → "
                             f"{_money(line.unit_price_to)}")
            parts += [f"{f.field} {_value(f.from_)} → {_value(f.to)}" for f in line.fields]
            head += "; ".join(parts)
        else:
            line_volume = line.volume_to if line.change == "added" else line.volume_from
            line_price = line.unit_price_to if line.change == "added" else line.unit_price_from
            line_total = line.total_to if line.change == "added" else line.total_from
            head += f"{_value(line_volume)} × {_money(line_price)}" if line_volume is not None \
                else f"appropriation {_money(line_total)}"
        out.append(f"{head} ({euros(line.effect)})")
    out.append(f"{indent}  Total {euros(diff.total_from, False)} → {euros(diff.total_to, False)} "
               f"({euros(diff.effect)})")
    return out


def render_service_agreement(diff: ServiceAgreementDiff) -> str:
    out = [f"Service agreement {diff.from_.label} version {diff.from_.version} "
           f"({diff.from_.status.value}) → {diff.to.label} version {diff.to.version} "
           f"({diff.to.status.value})"]
    out += _field_lines(diff.fields, "  ")
    marks = {"added": "+", "removed": "-", "changed": "~"}
    if diff.goals:
        out.append("Goals")
        for goal in diff.goals:
            out.append(f"  {marks[goal.change]} {goal.code} {goal.title}")
            out += _field_lines(goal.fields, "      ")
            out += [f"      + action: {x.description}" for x in goal.actions_added]
            out += [f"      - action: {x.description}" for x in goal.actions_removed]
            out += [f"      + resource: {x.kind} {_money(x.amount)}" for x in goal.resources_added]
            out += [f"      - resource: {x.kind} {_money(x.amount)}" for x in goal.resources_removed]
    if diff.measures:
        out.append("Measures")
        for m in diff.measures:
            out.append(f"  {marks[m.change]} {m.goal}/{m.code} {m.name}")
            out += _field_lines(m.fields, "      ")
            out += [f"      target {t.year}: {_value(t.from_)} → {_value(t.to)}" for t in m.targets]
    if diff.order_budget:
        out += render_budget(diff.order_budget)
    out.append(f"Resource effect: {euros(diff.resource_effect)}")
    out.append(f"Budget effect: {euros(diff.budget_effect)}")
    return "\n".join(out) + "\n"


def render_framework_agreement(diff: FrameworkAgreementDiff) -> str:
    out = [f"Framework agreement {diff.from_.label} version {diff.from_.version} "
           f"({diff.from_.status.value}) → version {diff.to.version} ({diff.to.status.value})"]
    out += _field_lines(diff.fields, "  ")
    marks = {"added": "+", "removed": "-", "changed": "~"}
    if diff.perspectives:
        out.append("Perspectives")
        for p in diff.perspectives:
            out.append(f"  {marks[p.change]} {p.name}")
            out += _field_lines(p.fields, "      ")
    if diff.goals:
        out.append("Long-term goals")
        for g in diff.goals:
            out.append(f"  {marks[g.change]} {g.perspective} / {g.code} {g.title}")
            out += _field_lines(g.fields, "      ")
    if len(out) == 1:
        out.append("  No changes")
    return "\n".join(out) + "\n"


def render_order_budget(diff: OrderBudgetDiff) -> str:
    return "\n".join([*render_budget(diff), f"Budget effect: {euros(diff.effect)}"]) + "\n"
