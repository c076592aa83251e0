"""Who may read and write what, and each model's domain rules, for the shared scoped CRUD.

Access scoping runs through the access policy that app.auth registers with ``use_policy`` when
it is imported: core imports no feature. Each feature registers its own domain rules with
``register`` when its service module is imported, so they apply whoever creates the object (API,
import, CLI, tests), whether or not a router was built (app.core.writes applies them;
app.core.resources serves them).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption

from app.core.db import model_of_table
from app.core.errors import NotFound

# The caller: app.auth's User (core does not import it); None is the public.
User = Any
S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

Rules = Callable[[Session, Any, dict[str, Any]], None]


class AccessPolicy(Protocol):
    """Who may read and write what: app.auth's policy, registered when app.auth is imported."""

    # The routes' declarations of who may call them (Annotated dependencies giving the caller)
    reader: Any  # the public too (None) or any logged-in user
    logged_in: Any  # any logged-in user

    def writer(self, model: Any) -> Any:
        """The declaration of who may write ``model`` at all."""
        ...

    def scope(self, stmt: S, model: Any, user: User | None) -> S: ...
    def is_public(self, model: Any) -> bool: ...
    def require_write(self, user: User | None, model: Any) -> None: ...
    def require_write_object(self, session: Session, user: User, obj: Any) -> None: ...


_policy: list[AccessPolicy] = []


def use_policy(policy: AccessPolicy) -> None:
    """Register the access policy (app.auth does, once, at import)."""
    _policy[:] = [policy]


def policy() -> AccessPolicy:
    if not _policy:  # never open by default: a missing policy is a start-up error
        raise RuntimeError("No access policy is registered: import app.auth.policy first")
    return _policy[0]


def scope(stmt: S, model: Any, user: User | None) -> S:
    return policy().scope(stmt, model, user)


def require_write(user: User | None, model: Any) -> None:
    policy().require_write(user, model)


def require_write_object(session: Session, user: User, obj: Any) -> None:
    policy().require_write_object(session, user, obj)


@dataclass(frozen=True)
class ModelRules:
    """A model's domain rules, applied by create, update and delete whoever calls them."""

    rules: Rules | None = None
    nested: frozenset[str] = frozenset()  # fields that after_write stores, not the column
    after_write: Callable[[Session, User, Any, dict[str, Any]], None] | None = None
    before_delete: Callable[[Session, User, Any], None] | None = None


_rules: dict[Any, ModelRules] = {}


def register(model: Any, rules: Rules | None = None, *, nested: frozenset[str] = frozenset(),
             after_write: Callable[[Session, User, Any, dict[str, Any]], None] | None = None,
             before_delete: Callable[[Session, User, Any], None] | None = None) -> None:
    """Register ``model``'s rules; a feature calls it when its service module is imported."""
    _rules[model] = ModelRules(rules, nested, after_write, before_delete)


# Rules that another feature adds to a model it refers to (budgets: a service agreement's order
# budget is of the agreement's year), run after the model's own: the feature below need not
# know the one above.
_added: dict[Any, list[Rules]] = {}


def add_rule(model: Any, rule: Rules) -> None:
    """Add a rule to ``model``'s own; a feature calls it when its service module is imported."""
    _added.setdefault(model, []).append(rule)


# Checks before a delete that another feature adds to a model it refers to (indicators: a
# goal or an agreement whose measures have values reported is not deleted with them).
_added_deletes: dict[Any, list[Callable[[Session, User, Any], None]]] = {}


def add_delete_check(model: Any, check: Callable[[Session, User, Any], None]) -> None:
    """Add a check before ``model``'s delete; a feature calls it when its module is imported."""
    _added_deletes.setdefault(model, []).append(check)


def rules_of(model: Any) -> ModelRules:
    own = _rules.get(model, ModelRules())
    added = _added.get(model)
    deletes = _added_deletes.get(model)
    if deletes:
        own = replace(own, before_delete=_then(own.before_delete, deletes))
    if not added:
        return own

    def rules(session: Session, obj: Any, data: dict[str, Any]) -> None:
        if own.rules:
            own.rules(session, obj, data)
        for rule in added:
            rule(session, obj, data)

    return replace(own, rules=rules)


def _then(first: Callable[[Session, User, Any], None] | None,
          more: list[Callable[[Session, User, Any], None]]) -> Callable[[Session, User, Any], None]:
    def before_delete(session: Session, user: User, obj: Any) -> None:
        if first:
            first(session, user, obj)
        for check in more:
            check(session, user, obj)

    return before_delete


def label(model_or_table: Any) -> str:
    """'order_budget_lines' (a model or its table's name) -> 'order budget line'."""
    name: str = model_or_table if isinstance(model_or_table, str) \
        else model_or_table.__tablename__
    return name.removesuffix("s").replace("_", " ")


def a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def model_for_table(table_name: str) -> Any:
    model = model_of_table(table_name)
    if model is None:
        raise LookupError(table_name)
    return model


def get_readable(
    session: Session, model: Any, obj_id: int, user: User | None,
    options: Sequence[LoaderOption] = (),
) -> Any:
    stmt = scope(select(model).where(model.id == obj_id), model, user)
    obj = session.scalar(stmt.options(*options).execution_options(populate_existing=True))
    if obj is None:
        raise NotFound(f"No {label(model)} with id {obj_id}")
    return obj
