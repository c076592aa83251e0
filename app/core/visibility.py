"""How visible a model's rows are, declared beside the model when it is imported.

Each feature says of its models which kind of record they are and, for agreement content, which
rows a board, a provider or the public reaches (``declare``); it also defines the reach sets it
owns (``define_reach``: the frameworks, agreements, budgets … a viewer reaches). app.auth.authz
decides from this, by role, who reads and writes what; it imports no feature's models. A model
that declares nothing is private: only the installation's admin and the purchaser organisation
of its municipality see it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select


class Visibility(Enum):
    MASTER_DATA = "master data"  # the organisation and catalogue: every role, and the public
    CONTENT = "agreement content"  # the purchasers; others what they reach; the public: published
    VALUES = "reported values"  # like content, but the public sees them only in issued reports
    PUBLIC_RECORD = "public record"  # issued reports: public; a board member sees his board's
    PURCHASER_WORK = "purchaser work"  # work in progress: the purchaser organisation only


class Writers(Enum):
    """Who writes a model's rows beyond reading them (app.auth.authz.may_role_write)."""

    PURCHASERS = "the purchaser organisation"  # directors; a manager what is not master data
    INSTALLATION = "the installation's admin only"  # e.g. the municipalities themselves
    ALSO_REPORTERS = "also a provider's reporter"  # his own values and deliveries (scope)


@dataclass(frozen=True)
class Viewer:
    """Whom a reach is for: a board's member, a provider's reporter, or the public (neither).

    A reporter's ``providers`` is a subquery of provider ids: his one provider, or every
    municipality's provider row of his provider organisation (app.auth.authz.provider_ids).
    Reach rules test ``column.in_(viewer.providers)``.
    """

    board_id: int | None = None
    providers: Select[Any] | None = None


# The tenant of an installation-level record (not one municipality's): e.g. a provider
# organisation, which several municipalities' providers link to.
INSTALLATION = object()


ReachRule = Callable[[Viewer, "Reach"], Select[Any]]
Reached = Callable[["Reach"], ColumnElement[bool]]

_reach_rules: dict[str, ReachRule] = {}


class Reach:
    """The ids of what a viewer reaches ("frameworks", "agreements", "budgets", …), each a
    subquery built on demand by the rule that its feature defined."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self._built: dict[str, Select[Any]] = {}

    def __getitem__(self, name: str) -> Select[Any]:
        if name not in self._built:
            self._built[name] = _reach_rules[name](self.viewer, self)
        return self._built[name]


def define_reach(name: str, rule: ReachRule) -> None:
    _reach_rules[name] = rule


@dataclass(frozen=True)
class ReadRule:
    visibility: Visibility
    reached: Reached | None = None  # content and values: the rows within the viewer's reach
    tenant: Any = None  # the column naming the municipality (default: municipality_id)


_rules: dict[Any, ReadRule] = {}
# The models of each kind and of each kind of writers, filled as they are declared
# (app.auth.authz's sets are these).
models: dict[Visibility, set[Any]] = {kind: set() for kind in Visibility}
written_by: dict[Writers, set[Any]] = {writers: set() for writers in Writers}


def declare(model: Any, visibility: Visibility, reached: Reached | None = None, *,
            tenant: Any = None, writers: Writers = Writers.PURCHASERS) -> None:
    """Declare ``model``'s visibility and who writes it; call it beside the model, when its
    module is imported."""
    _rules[model] = ReadRule(visibility, reached, tenant)
    models[visibility].add(model)
    written_by[writers].add(model)


def rule_of(model: Any) -> ReadRule | None:
    return _rules.get(model)
