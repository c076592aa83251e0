"""Diffs of agreement versions as text, for the command line (``sopimus diff``, and the
amendments ``sopimus import`` drafts), in the catalogue's words of ``lang``."""

from decimal import Decimal
from typing import Any

from app.core.i18n import t
from app.lifecycle.diff import (
    FieldChange,
    FrameworkAgreementDiff,
    OrderBudgetDiff,
    ServiceAgreementDiff,
    VersionRef,
)

MARKS = {"added": "+", "removed": "-", "changed": "~"}


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
    if isinstance(value, dict):  # a line's items: code → volume
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items()) or "–"
    return str(value)


def _state(ref: VersionRef, lang: str) -> str:
    return t(f"status_{ref.status.value}", lang).lower()


def _versions(ref_from: VersionRef, ref_to: VersionRef, lang: str) -> dict[str, str | int]:
    """The placeholders of a diff's first line."""
    return {"label": ref_from.label, "to_label": ref_to.label, "from_version": ref_from.version,
            "from_status": _state(ref_from, lang), "to_version": ref_to.version,
            "to_status": _state(ref_to, lang)}


def _field_lines(fields: list[FieldChange], indent: str) -> list[str]:
    return [f"{indent}{f.field}: {_value(f.from_)} → {_value(f.to)}" for f in fields]


def _line_change(line: Any, lang: str) -> str:
    parts = []
    if line.volume_from != line.volume_to:
        parts.append(t("diff_volume", lang, from_=_value(line.volume_from),
                       to=_value(line.volume_to)))
    if line.unit_price_from != line.unit_price_to:
        parts.append(t("diff_unit_price", lang, from_=_money(line.unit_price_from),
                       to=_money(line.unit_price_to)))
    parts += [f"{f.field} {_value(f.from_)} → {_value(f.to)}" for f in line.fields]
    return "; ".join(parts)


def render_budget(diff: OrderBudgetDiff, indent: str = "", lang: str = "en") -> list[str]:
    out = [indent + t("diff_order_budget", lang, **_versions(diff.from_, diff.to, lang))]
    out += _field_lines(diff.fields, indent + "  ")
    for line in diff.lines:
        head = f"{indent}  {MARKS[line.change]} {line.product} / {line.provider}: "
        if line.change == "changed":
            head += _line_change(line, lang)
        else:
            line_volume = line.volume_to if line.change == "added" else line.volume_from
            line_price = line.unit_price_to if line.change == "added" else line.unit_price_from
            line_total = line.total_to if line.change == "added" else line.total_from
            head += f"{_value(line_volume)} × {_money(line_price)}" if line_volume is not None \
                else f"appropriation {_money(line_total)}"
        out.append(f"{head} ({euros(line.effect)})")
    out.append(indent + "  " + t("diff_total", lang, from_=euros(diff.total_from, False),
                                 to=euros(diff.total_to, False), effect=euros(diff.effect)))
    return out


def render_service_agreement(diff: ServiceAgreementDiff, lang: str = "en") -> str:
    out = [t("diff_service_agreement", lang, **_versions(diff.from_, diff.to, lang))]
    out += _field_lines(diff.fields, "  ")
    action, resource = t("diff_action", lang), t("diff_resource", lang)
    if diff.goals:
        out.append(t("diff_goals", lang))
        for goal in diff.goals:
            out.append(f"  {MARKS[goal.change]} {goal.code} {goal.title}")
            out += _field_lines(goal.fields, "      ")
            out += [f"      + {action}: {x.description}" for x in goal.actions_added]
            out += [f"      - {action}: {x.description}" for x in goal.actions_removed]
            out += [f"      + {resource}: {x.kind} {_money(x.amount)}" for x in goal.resources_added]
            out += [f"      - {resource}: {x.kind} {_money(x.amount)}"
                    for x in goal.resources_removed]
    if diff.measures:
        out.append(t("diff_measures", lang))
        target = t("diff_target", lang)
        for m in diff.measures:
            out.append(f"  {MARKS[m.change]} {m.goal}/{m.code} {m.name}")
            out += _field_lines(m.fields, "      ")
            out += [f"      {target} {x.year}: {_value(x.from_)} → {_value(x.to)}"
                    for x in m.targets]
    if diff.order_budget:
        out += render_budget(diff.order_budget, lang=lang)
    out.append(t("diff_resource_effect", lang, effect=euros(diff.resource_effect)))
    out.append(t("diff_budget_effect", lang, effect=euros(diff.budget_effect)))
    return "\n".join(out) + "\n"


def render_framework_agreement(diff: FrameworkAgreementDiff, lang: str = "en") -> str:
    out = [t("diff_framework_agreement", lang, **_versions(diff.from_, diff.to, lang))]
    out += _field_lines(diff.fields, "  ")
    if diff.perspectives:
        out.append(t("diff_perspectives", lang))
        for p in diff.perspectives:
            out.append(f"  {MARKS[p.change]} {p.name}")
            out += _field_lines(p.fields, "      ")
    if diff.goals:
        out.append(t("diff_long_term_goals", lang))
        for g in diff.goals:
            out.append(f"  {MARKS[g.change]} {g.perspective} / {g.code} {g.title}")
            out += _field_lines(g.fields, "      ")
    if len(out) == 1:
        out.append("  " + t("diff_no_changes", lang))
    return "\n".join(out) + "\n"


def render_order_budget(diff: OrderBudgetDiff, lang: str = "en") -> str:
    return "\n".join([*render_budget(diff, lang=lang),
                      t("diff_budget_effect", lang, effect=euros(diff.effect))]) + "\n"
