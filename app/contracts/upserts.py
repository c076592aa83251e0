"""The importer's plumbing: one object matched by its natural key and created or updated, small
lists of children replaced, codes resolved, and every error collected with its path and line in
the file (app.contracts.importer walks the document with these)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.contracts.loading import line_for, line_index
from app.contracts.versions import Amendment
from app.core.errors import DomainError
from app.core.i18n import N_, Said, saying


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    # an error's English words -> the words in a language (app.contracts.loading.ImportFailed)
    words: dict[str, Said] = field(default_factory=dict)
    amendments: list[Amendment] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.amendments)


def same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return bool(old == new)


class Upserts:
    """Matching by natural keys and collecting errors, for the importer."""

    def __init__(self, session: Session, actor: User, text: str = ""):
        self.session = session
        self.user = actor
        self.actor = actor.username
        self.result = ImportResult()
        self.text = text  # the file, for the line of an error
        self.municipality_id = 0
        self.lang = "en"  # of the amendments' diffs (the command line's language)

    @cached_property
    def lines(self) -> dict[str, int]:
        """Each path's line: the file composed once more, so only when an error needs it."""
        return line_index(self.text)

    def error(self, path: str, message: str) -> None:
        self.result.errors.append(
            {"path": path, "message": message, "line": line_for(self.lines, path)}
        )

    def refuse(self, path: str, key: str, english: str | None = None, **values: Any) -> None:
        """An error at ``path`` in the catalogue's words (``key`` with ``values``), told in the
        client's language; ``english``: the English words, where they differ from the
        catalogue's English."""
        said = saying(key, **values)
        message = english or said("en")
        self.result.words[message] = said
        self.error(path, message)

    def refuse_domain(self, path: str, exc: DomainError) -> None:
        """A domain rule's refusal at ``path``, in its own words in each language."""
        self.result.words[exc.detail] = exc.detail_in
        self.error(path, exc.detail)

    @contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Record a domain error raised inside as an error at ``path`` of the file."""
        try:
            yield
        except DomainError as exc:
            self.refuse_domain(f"{path}.{exc.field}" if exc.field else path, exc)

    def upsert(self, model: Any, key: dict[str, Any], values: dict[str, Any],
               rules: Callable[[Session, Any, dict[str, Any]], None] | None = None,
               path: str = "") -> Any:
        obj = self.session.scalar(select(model).filter_by(**key))
        tenant = "municipality_id" in model.__table__.c and "municipality_id" not in key
        if obj is None:
            extra = {"municipality_id": self.municipality_id} if tenant else {}
            obj = model(**key, **values, **extra, created_by=self.actor, updated_by=self.actor)
            self.session.add(obj)
            self.result.created += 1
        else:
            changed = {k: v for k, v in values.items() if not same(getattr(obj, k), v)}
            for name, value in changed.items():
                setattr(obj, name, value)
            if changed:
                obj.updated_by = self.actor
                self.result.updated += 1
            else:
                self.result.unchanged += 1
        if rules:
            with self.at(path):
                rules(self.session, obj, values)
        self.session.flush()
        return obj

    def once(self, docs: list[Any], path: str, what: str, where: str
             ) -> Iterator[tuple[str, Any]]:
        """Each of ``docs`` with its path, less one whose code came before (an error at its
        path: "goal G1 appears twice in the agreement")."""
        seen: set[str] = set()
        for i, doc in enumerate(docs):
            item = f"{path}[{i}]"
            if doc.code in seen:
                self.refuse(f"{item}.code", N_("import_code_twice"),
                            f"{what} {doc.code} appears twice {where}", code=doc.code)
                continue
            seen.add(doc.code)
            yield item, doc

    def code_map(self, model: Any) -> dict[str, int]:
        rows = self.session.execute(
            select(model.code, model.id).where(model.municipality_id == self.municipality_id)
        )
        return {code: id_ for code, id_ in rows}

    def ref(self, codes: dict[str, int], code: str | None, what: str, path: str) -> int | None:
        if code is None:
            return None
        if code not in codes:
            self.refuse(path, N_("import_unknown_code"),
                        f"unknown {what} '{code}': declare it in the file's {what}s", code=code)
            return None
        return codes[code]

    def replace_children(self, model: Any, parent: str, parent_id: int,
                         rows: list[dict[str, Any]], compare: tuple[str, ...]) -> None:
        """Small ordered lists (actions, resources, targets): replace them if they differ."""
        existing = self.session.scalars(
            select(model).where(getattr(model, parent) == parent_id).order_by(model.id)
        ).all()
        old = [tuple(getattr(o, c) for c in compare) for o in existing]
        new = [tuple(r.get(c) for c in compare) for r in rows]
        if len(old) == len(new) and all(
            all(same(a, b) for a, b in zip(o, n, strict=True)) for o, n in zip(old, new, strict=True)
        ):
            return
        self.session.execute(delete(model).where(getattr(model, parent) == parent_id))
        for row in rows:
            self.session.add(model(**{parent: parent_id}, **row, municipality_id=self.municipality_id,
                                   created_by=self.actor, updated_by=self.actor))
        self.result.updated += 1
        self.session.flush()
