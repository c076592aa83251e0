"""Who reads which rows: the rules each feature registers beside its models, at import.

``app.auth.authz`` applies them (``read_filter``) without importing any feature's models. A
feature says of each model whether it is master data (the organisation and the catalogue:
every role of the municipality and the public read it), agreement content (``content``: which
of its rows lie within a reach, see ``Reach``), or has a rule of its own (``custom``). A model
that registers nothing is hidden from every restricted role: new models are private until
their feature says otherwise.
"""

from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement

Who = Literal["board", "provider", "public"]


class Reach:
    """What a restricted reader reaches, as subqueries of ids: a board member his board's
    (``who="board"``, ``ident`` the board), a provider reporter his provider's, the public what
    is approved. Its attributes (``frameworks``, ``agreements``, ``budgets``, ``goals``,
    ``measures`` …) are the roots the features register with ``root``."""

    def __init__(self, who: Who, ident: int = 0) -> None:
        self.who, self.ident = who, ident
        self._seen: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._seen:
            if name not in _roots:
                raise AttributeError(f"no feature registers the reach's {name!r}")
            self._seen[name] = _roots[name](self)
        return self._seen[name]


ContentRule = Callable[[Reach], ColumnElement[bool]]


@dataclass(frozen=True)
class Rule:
    master: bool = False
    content: ContentRule | None = None
    public: bool = True  # content readable by the public once approved (values: never)
    provider_writes: bool = False  # a provider reporter writes his own rows of it
    custom: Callable[[Any], ColumnElement[bool]] | None = None  # (user or None) -> condition
    installation_only: bool = False  # written by the installation's admin only


_rules: dict[Any, Rule] = {}
_roots: dict[str, Callable[[Reach], Any]] = {}
_unit_board: list[Callable[[Any, int], int | None]] = []


def register(model: Any, **rule: Any) -> None:
    _rules[model] = Rule(**rule)


def root(name: str, subquery: Callable[[Reach], Any]) -> None:
    """``Reach.<name>``: the ids of a kind of object within the reach (a feature's own)."""
    _roots[name] = subquery


def unit_board(lookup: Callable[[Any, int], int | None]) -> None:
    """How to find a purchaser unit's board: (session, unit id) -> board id."""
    _unit_board[:] = [lookup]


def board_of_unit(session: Any, unit_id: int) -> int | None:
    return _unit_board[0](session, unit_id) if _unit_board else None


def rule_of(model: Any) -> Rule | None:
    return _rules.get(model)


class Models(Set[Any]):
    """The registered models a rule holds for, read live (features register as they load)."""

    def __init__(self, test: Callable[[Rule], bool]) -> None:
        self._test = test

    def __contains__(self, model: object) -> bool:
        rule = _rules.get(model)
        return rule is not None and self._test(rule)

    def __iter__(self) -> Iterator[Any]:
        return iter([m for m, r in _rules.items() if self._test(r)])

    def __len__(self) -> int:
        return sum(1 for r in _rules.values() if self._test(r))

    @classmethod
    def _from_iterable(cls, it: Any) -> frozenset[Any]:  # type: ignore[override]
        return frozenset(it)
