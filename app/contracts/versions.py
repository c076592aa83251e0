"""Versions in a contracts file: which stored version each document describes and what
importing it does (the importer's part for framework agreements, order budgets and service
agreements alike).

- A document without ``version`` describes the agreement as it should now be: version 1 of a
  new agreement, an edit of the latest version if that is a draft (or in negotiation), nothing
  if the latest version is approved with the same content, and the next version as a draft
  (an amendment, its diff printed) if the content differs.
- ``version: N`` names a stored version or the next one. The same content is no change. The
  latest version, if approved and changed, is amended as above unless the document says it is
  approved (``status``/``approval``): it then claims to be the approved record, which is never
  changed in place; nor is an earlier version. Both are refused naming the first line that
  differs.
- A version new to the database takes the document's ``status`` and ``approval`` (the board's
  decision with ``effective_from``), so that an export imports into an empty database as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements import in_force
from app.agreements.models import (
    APPROVED,
    AgreementStatus,
    AgreementTransition,
    FrameworkAgreement,
    ServiceAgreement,
)
from app.auth.models import User
from app.budgets.models import OrderBudget
from app.contracts import exporter
from app.contracts import schema as d
from app.core.access import label as noun
from app.core.errors import Conflict, DomainError
from app.core.i18n import N_, Said, saying
from app.core.periods import parse_period
from app.goals.models import Goal
from app.indicators.models import Measure
from app.lifecycle import diff, diff_text
from app.lifecycle.budget_check import check_budgets
from app.lifecycle.immutability import LOCKED
from app.lifecycle.transitions import end_date
from app.lifecycle.versioning import AMENDABLE, DRAFTING, Agreement, S, amend, key_filter

VersionDoc = d.FrameworkAgreementDoc | d.OrderBudgetDoc | d.ServiceAgreementDoc
MARKS = frozenset({"version", "status", "approval"})
# What providers report is not agreement content: a measure's values, a line's deliveries.
REPORTED = frozenset({"values", "deliveries", "item_deliveries"})


class Step(Enum):
    create = "create"  # version 1 of a new agreement
    edit = "edit"  # a draft (or one in negotiation): changed in place
    unchanged = "unchanged"  # an approved version with the same content
    amend = "amend"  # a changed approved agreement: the next version as a draft, diff shown
    add = "add"  # the next version the file describes (e.g. an export's): as amend, marked


@dataclass
class Target:
    step: Step
    version: int  # the version the document's content goes to
    stored: Any = None  # the version edited, compared with or amended


def _key(item: Any) -> Any:
    if isinstance(item, dict):
        if "code" in item:
            return item["code"]
        if "product" in item and "provider" in item:
            return item["product"], item["provider"]
    return None


def differences(new: Any, old: Any, path: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """The paths (in the file) where ``new`` differs from ``old``: rows with codes are matched
    by code, board lists as sets, what providers report (REPORTED) is not agreement content."""
    if isinstance(new, dict) and isinstance(old, dict):
        out: list[str] = []
        for k in [*new, *(k for k in old if k not in new)]:
            if k not in skip and k not in REPORTED:
                out += differences(new.get(k), old.get(k), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(new, list) and isinstance(old, list):
        if all(isinstance(x, str) for x in [*new, *old]):
            return [] if sorted(new) == sorted(old) else [path]
        keys = [_key(x) for x in new]
        if new and None not in keys:
            stored = {_key(x): x for x in old}
            out = [p for i, (k, x) in enumerate(zip(keys, new, strict=True))
                   for p in (differences(x, stored[k], f"{path}[{i}]") if k in stored
                             else [f"{path}[{i}]"])]
            return out + ([path] if set(stored) - set(keys) else [])
        if len(new) != len(old):
            return [path]
        return [p for i, (a, b) in enumerate(zip(new, old, strict=True))
                for p in differences(a, b, f"{path}[{i}]")]
    return [] if new == old else [path]


def _claims_approved(doc: VersionDoc) -> bool:
    return doc.approval is not None or (doc.status is not None and doc.status in LOCKED)


def _noun(obj: Agreement) -> Said:
    """The kind of agreement, in the words of the language it is told in."""
    return saying(str(obj.__tablename__).removesuffix("s"))


def _state(status: AgreementStatus) -> Said:
    return saying(f"status_{status.value}")


def _label(obj: Agreement) -> str:
    if isinstance(obj, FrameworkAgreement):
        return f"{obj.first_year}–{obj.last_year}"
    return str(obj.year) if isinstance(obj, OrderBudget) else obj.code


def _name(obj: Agreement) -> str:
    return f"{noun(obj)} {_label(obj)}"


def _named(obj: Agreement) -> Said:
    """``_name`` in the words of the language it is told in."""
    return saying(N_("import_agreement_name"), noun=_noun(obj), label=_label(obj))


class VersionSteps:
    """The importer's handling of versions (app.contracts.importer.Importer)."""

    session: Session
    user: User
    result: Any  # the importer's ImportResult
    lang: str  # of the amendments' diffs

    def error(self, path: str, message: str) -> None:
        raise NotImplementedError

    def refuse(self, path: str, key: str, english: str | None = None, **values: Any) -> None:
        raise NotImplementedError

    def refuse_domain(self, path: str, exc: DomainError) -> None:
        raise NotImplementedError

    def chain(self, model: Any, where: list[Any], docs: list[tuple[Any, str]],
              apply: Callable[[Any, str, int], Any],
              unchanged: Callable[[Any, Any, str], None] | None = None) -> Any:
        """Import the documents of one agreement's versions (oldest first); its latest version
        in the database, or None after an error."""
        obj, finals = None, []
        for doc, path in docs:
            errors = len(self.result.errors)
            target = self.resolve(stored_versions(self.session, model, *where), doc, path)
            if target is None:
                return None
            if target.step is Step.unchanged:
                obj = target.stored
                if unchanged is not None:
                    unchanged(obj, doc, path)
                continue
            if target.step in (Step.amend, Step.add):
                self.amended(target)
            obj = apply(doc, path, target.version)
            if obj is None or len(self.result.errors) > errors:
                return None
            if target.step is Step.amend:
                self.result.amendments.append(Amendment(
                    agreement=_name(obj), version=obj.version,
                    diff=self.diff_text(target.stored, obj)))
            if target.step in (Step.create, Step.add):
                final = self.settle(obj, doc, path)
                if final is not None:
                    finals.append((obj, final))
        for version, status in finals:  # superseded, in force, closed: once all are in
            self.finish(version, status)
        return stored_versions(self.session, model, *where)[-1] if obj is not None else None

    def resolve(self, stored: list[Any], doc: VersionDoc, path: str) -> Target | None:
        """What the document does to the agreement whose versions are ``stored`` (oldest
        first); None after recording an error."""
        latest = stored[-1] if stored else None
        if latest is None:
            if doc.version not in (None, 1):
                self.refuse(f"{path}.version", N_("import_version_unknown"),
                            version=doc.version)
                return None
            return Target(Step.create, 1)
        wanted = doc.version if doc.version is not None else latest.version
        if wanted == latest.version + 1:
            return self._next(latest, doc, path)
        if wanted > latest.version:
            self.refuse(f"{path}.version", N_("import_version_gap"),
                        f"version {wanted}: the database has versions up to {latest.version} "
                        f"of this {noun(latest)}; import version {latest.version + 1} first",
                        wanted=wanted, latest=latest.version, next=latest.version + 1,
                        noun=_noun(latest))
            return None
        existing = next(v for v in stored if v.version == wanted)
        if existing.status not in LOCKED:
            if doc.status is not None and doc.status is not existing.status:
                self.refuse(f"{path}.status", N_("import_version_state"),
                            f"version {wanted} is {existing.status.value} in the database, "
                            f"{doc.status.value} in the file: a version's state moves through "
                            "its lifecycle (POST …/transitions), not by an import",
                            wanted=wanted, stored=_state(existing.status),
                            filed=_state(doc.status))
                return None
            return Target(Step.edit, wanted, existing)
        stored_doc = exporter.version_doc(self.session, self.user, existing)
        changed = differences(doc.model_dump(), stored_doc.model_dump(), path, MARKS)
        if not changed:
            return Target(Step.unchanged, wanted, existing)
        if existing.id == latest.id and existing.status in AMENDABLE and not _claims_approved(doc):
            return Target(Step.amend, wanted + 1, existing)
        amendable = existing.id == latest.id and existing.status in AMENDABLE
        hint = (saying(N_("import_hint_amend"), next=wanted + 1) if amendable else
                saying(N_("import_hint_latest"), latest=latest.version))
        self.refuse(changed[0], N_("import_approved_differs"),
                    f"{_name(existing).capitalize()} version {wanted} is "
                    f"{existing.status.value}: an approved version is a public record and is "
                    f"never changed in place; the file differs from it here; {hint('en')}",
                    name=_named(existing), version=wanted, status=_state(existing.status),
                    hint=hint)
        return None

    def _next(self, latest: Any, doc: VersionDoc, path: str) -> Target | None:
        if latest.status in DRAFTING:
            self.refuse(f"{path}.version", N_("import_edit_instead"),
                        f"version {latest.version} of this {noun(latest)} is "
                        f"{latest.status.value}: edit it (version: {latest.version}) instead of "
                        "adding another",
                        version=latest.version, noun=_noun(latest), status=_state(latest.status))
            return None
        if latest.status not in AMENDABLE:
            self.refuse(f"{path}.version", N_("import_not_amended"),
                        f"version {latest.version} of this {noun(latest)} is "
                        f"{latest.status.value}: it is not amended any more",
                        version=latest.version, noun=_noun(latest), status=_state(latest.status))
            return None
        return Target(Step.add, latest.version + 1, latest)

    def amended(self, target: Target) -> Any:
        """Version v+1 as a draft copy of the latest (the file's content goes on it next)."""
        return amend(self.session, self.user, target.stored)

    def diff_text(self, old: Any, new: Any) -> str:
        """The amendment's diff as ``sopimus diff`` prints it (euros included)."""
        self.session.flush()
        if isinstance(old, FrameworkAgreement):
            return diff_text.render_framework_agreement(
                diff.compare_framework_agreements(self.session, self.user, old.id, new.id),
                self.lang)
        if isinstance(old, OrderBudget):
            return diff_text.render_order_budget(
                diff.compare_order_budgets(self.session, self.user, old.id, new.id), self.lang)
        return diff_text.render_service_agreement(
            diff.compare_service_agreements(self.session, self.user, old.id, new.id), self.lang)

    # -- the state of a version new to the database ------------------------------------------
    def settle(self, obj: Any, doc: VersionDoc, path: str) -> AgreementStatus | None:
        """Give a new version the file's state: a version approved (in force, closed,
        superseded) is approved now with its decision, and its final state (returned) is set
        once the later versions are in (an amendment is made of an approved version)."""
        status = doc.status or S.draft
        if status is S.draft:
            return None
        if status is S.negotiation:
            self._move(obj, S.negotiation)
            return None
        approval = doc.approval or d.ApprovalDoc()
        obj.effective_from = approval.effective_from or approval.event_date
        self._check_effective_from(obj, approval.effective_from, path)
        if isinstance(obj, ServiceAgreement):
            try:  # a file approves what the API would: within an approved order budget
                check_budgets(self.session, obj)
            except Conflict as exc:
                self.refuse_domain(f"{path}.status", exc)
                return None
        self._move(obj, S.approved, **approval.model_dump(exclude={"effective_from"}))
        return status if status is not S.approved else None

    def _check_effective_from(self, obj: Any, explicit: date | None, path: str) -> None:
        """The rules of an approval through the API (app.lifecycle.transitions)."""
        model: Any = type(obj)
        earlier = self.session.scalar(select(func.max(model.effective_from)).where(
            *key_filter(model, obj), model.version < obj.version, model.status.in_(APPROVED)))
        where = f"{path}.approval.effective_from"
        if obj.effective_from is not None and earlier is not None and obj.effective_from < earlier:
            self.refuse(where, N_("import_effective_before"), version=obj.version,
                        date=earlier.isoformat())
        elif explicit is not None and explicit > end_date(obj):
            self.refuse(where, N_("import_effective_after"), version=obj.version,
                        date=end_date(obj).isoformat())

    def finish(self, obj: Any, status: AgreementStatus) -> None:
        self._move(obj, status)

    def _move(self, obj: Any, to: AgreementStatus, **decision: Any) -> None:
        column = {"framework_agreements": "framework_agreement_id",
                  "order_budgets": "order_budget_id",
                  "service_agreements": "service_agreement_id"}[obj.__tablename__]
        self.session.add(AgreementTransition(
            **{column: obj.id}, municipality_id=obj.municipality_id, version=obj.version,
            from_status=obj.status, to_status=to, comment="contracts import",
            created_by=self.user.username, updated_by=self.user.username, **decision))
        obj.status = to
        obj.updated_by = self.user.username
        self.session.flush()


def measure_in_force(session: Session, measure: Measure, period: str) -> int | None:
    """The measure of ``measure``'s lineage in the version that counts for ``period``; None
    when that version has no such measure and ``measure`` is of an unapproved amendment (a
    value stored there would count nowhere and go with the draft if it were deleted)."""
    agreement = session.get_one(ServiceAgreement, session.get_one(Goal, measure.goal_id)
                                .service_agreement_id)
    try:
        chosen = in_force.counts_on(session, agreement, parse_period(period).end)
    except ValueError:  # the value's rules name a bad period
        return measure.id
    if chosen is None or chosen.id == agreement.id:
        return measure.id
    found = session.scalar(select(Measure.id).join(Goal, Goal.id == Measure.goal_id).where(
        Goal.service_agreement_id == chosen.id, Measure.lineage == measure.lineage))
    if found is None and agreement.status not in APPROVED:
        return None
    return found if found is not None else measure.id


def docs_of(earlier: list[Any], where: str, main: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    return [*((doc, f"earlier_versions.{where}[{i}]") for i, doc in enumerate(earlier)), *main]


def by_code(main: list[d.ServiceAgreementDoc], earlier: list[d.ServiceAgreementDoc]
             ) -> dict[str, list[tuple[Any, str]]]:
    """Each service agreement's documents, its earlier versions first."""
    out: dict[str, list[tuple[Any, str]]] = {}
    for i, s in enumerate(earlier):
        out.setdefault(s.code, []).append((s, f"earlier_versions.service_agreements[{i}]"))
    for i, s in enumerate(main):
        out.setdefault(s.code, []).append((s, f"service_agreements[{i}]"))
    return out


def stored_versions(session: Session, model: Any, *where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(*where).order_by(model.version)))


class Amendment(BaseModel):
    """A version an import drafted from a changed file, and what changed."""

    agreement: str
    version: int
    diff: str
