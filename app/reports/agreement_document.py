"""The service agreement document (palvelusopimus): one version of an agreement with what it
orders, its goals and measures, and the board's decision approving it.

``agreement_document`` returns the document's data as typed models (app.reports.agreement_data):
the template reads them, and the same data is embedded in the PDF as JSON.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import (
    AgreementStatus,
    AgreementTransition,
    FrameworkAgreement,
    LongTermGoal,
    ServiceAgreement,
    Steering,
)
from app.auth.authz import scope
from app.auth.models import User
from app.budgets.models import OrderBudgetLine
from app.catalogue.models import Product, ProductGroup
from app.core.access import get_readable
from app.core.errors import InvalidInput, NotFound
from app.core.ordering import natural
from app.core.periods import periods_of_year
from app.goals.models import Action, Goal, Resource
from app.organisations.models import Municipality, Provider, ProviderKind
from app.pricelists import invoicing
from app.reports.agreement_data import Action as DocAction
from app.reports.agreement_data import (
    AgreementDocument,
    AgreementFacts,
    CalendarRow,
    Decision,
    DocumentGoal,
    DocumentMeasure,
    Framework,
    LineProduct,
    OrderedLine,
)
from app.reports.agreement_data import Resource as DocResource
from app.reports.common import (
    SCHEMA_VERSION,
    baseline,
    display_name,
    ids,
    provider_entry,
    readable_measures,
    readable_providers,
    ref,
    span,
)
from app.reports.data import CodeTitle, Span
from app.reports.i18n import t
from app.reports.models import ReportKind
from app.reports.rewards import reward_rule
from app.vouchers import service as vouchers


def board_decision(session: Session, agreement: ServiceAgreement) -> Decision | None:
    """The board's decision approving this version (body, date, §), as the lifecycle recorded
    it at the approval (app.lifecycle.transitions); None until the version is approved."""
    approval = session.scalars(
        select(AgreementTransition).where(
            AgreementTransition.service_agreement_id == agreement.id,
            AgreementTransition.to_status == AgreementStatus.approved,
        ).order_by(AgreementTransition.id.desc())
    ).first()
    if approval is None or approval.organization is None:
        return None
    return Decision(body=approval.organization, date=approval.event_date,
                    article_number=approval.article_number)


def ordered_lines(session: Session, user: User, agreement: ServiceAgreement,
                  provider: Provider) -> list[OrderBudgetLine]:
    """The order-budget lines the agreement orders: its provider's lines; an agreement with
    the municipality's own production as a whole also orders the lines of own production
    units that have no service agreement of their own that year."""
    if agreement.order_budget_id is None:
        return []
    stmt = scope(select(OrderBudgetLine), OrderBudgetLine, user).where(
        OrderBudgetLine.order_budget_id == agreement.order_budget_id)
    if provider.kind is ProviderKind.own_production_unit:
        with_own = select(ServiceAgreement.provider_id).where(
            ServiceAgreement.municipality_id == agreement.municipality_id,
            ServiceAgreement.year == agreement.year, ServiceAgreement.id != agreement.id)
        own_units = select(Provider.id).where(
            Provider.municipality_id == agreement.municipality_id,
            Provider.kind == ProviderKind.own_production_unit, Provider.id.not_in(with_own))
        stmt = stmt.where((OrderBudgetLine.provider_id == provider.id)
                          | OrderBudgetLine.provider_id.in_(own_units))
    else:
        stmt = stmt.where(OrderBudgetLine.provider_id == provider.id)
    return list(session.scalars(stmt))


def agreement_document(session: Session, user: User, agreement_id: int, lang: str,
                       board_id: int | None = None, now: datetime | None = None
                       ) -> AgreementDocument:
    """Palvelusopimus: one version of a service agreement as a document."""
    agreement = get_readable(session, ServiceAgreement, agreement_id, user,
                             [selectinload(ServiceAgreement.boards)])
    boards = sorted(agreement.boards, key=lambda b: b.id)
    if board_id is not None and board_id not in {b.id for b in boards}:
        raise InvalidInput(f"Board {board_id} is not a party to agreement {agreement.code}",
                           field="board_id")
    if not boards:
        raise NotFound(f"Agreement {agreement.code} has no board")
    board = next(b for b in boards if board_id in (None, b.id))
    municipality = session.get_one(Municipality, agreement.municipality_id)
    provider = get_readable(session, Provider, agreement.provider_id, user)
    framework = session.get_one(FrameworkAgreement, agreement.framework_agreement_id) \
        if agreement.framework_agreement_id is not None else None

    lines = ordered_lines(session, user, agreement, provider)
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({ln.product_id for ln in lines})))}
    product_groups = {g.id: g for g in session.scalars(select(ProductGroup).where(
        ProductGroup.id.in_({p.product_group_id for p in products.values()})))}
    line_providers = readable_providers(session, user, {ln.provider_id for ln in lines})
    price_lists = invoicing.views_for_lines(session, user, lines, lang)
    list_codes: dict[int | None, str] = {v.id: v.code for v in price_lists}
    lines.sort(key=lambda ln: (natural(product_groups[products[ln.product_id].product_group_id]
                                        .code), natural(products[ln.product_id].code),
                               line_providers[ln.provider_id].code))

    goals = sorted(session.scalars(scope(select(Goal), Goal, user).where(
        Goal.service_agreement_id == agreement.id)), key=lambda g: natural(g.code))
    long_term = {g.id: g for g in session.scalars(select(LongTermGoal).where(
        LongTermGoal.id.in_({g.long_term_goal_id for g in goals if g.long_term_goal_id})))}
    actions = list(session.scalars(scope(select(Action), Action, user).where(
        Action.goal_id.in_(ids(goals))).order_by(Action.position, Action.id)))
    resources = list(session.scalars(scope(select(Resource), Resource, user).where(
        Resource.goal_id.in_(ids(goals))).order_by(Resource.id)))
    measures = sorted(readable_measures(session, user, ids(goals)), key=lambda m: natural(m.code))
    measure_providers = readable_providers(session, user, {m.provider_id for m in measures})

    calendar: dict[str, tuple[Span, list[str]]] = {}
    for m in measures:
        for p in periods_of_year(agreement.year, m.frequency):
            calendar.setdefault(p.code, (span(p), []))[1].append(m.code)

    # The target columns: the years the measures have targets for, else the agreement's year.
    years = sorted({tg.year for m in measures for tg in m.targets} or {agreement.year})
    board_names = [f"{display_name(b, lang)} ({b.code})" for b in boards]
    title = f"{t('service_agreement', lang)} {agreement.code} v{agreement.version}"
    if agreement.steering is Steering.ownership:
        title = f"{t('steering_ownership', lang)} – {title}"
    total = sum((ln.total for ln in lines), Decimal(0))
    municipality_name = display_name(municipality, lang)
    return AgreementDocument(
        schema_=f"sopimus/service-agreement/{SCHEMA_VERSION}",
        kind=ReportKind.agreement.value,
        language=lang,
        title=title,
        subject=f"{agreement.title} ({agreement.year})",
        author=f"{municipality_name} – {', '.join(display_name(b, lang) for b in boards)}",
        filename=f"{agreement.code}-v{agreement.version}-{lang}.pdf",
        generated_at=(now or datetime.now(UTC)).replace(microsecond=0),
        municipality=ref(municipality, lang),
        board=ref(board, lang),
        boards=board_names,
        agreement=AgreementFacts(
            id=agreement.id, code=agreement.code, title=agreement.title,
            description=agreement.description, year=agreement.year,
            version=agreement.version, status=agreement.status.value,
            start=date(agreement.year, 1, 1), end=date(agreement.year, 12, 31),
            steering=agreement.steering.value),
        framework=Framework(title=framework.title, first_year=framework.first_year,
                            last_year=framework.last_year) if framework else None,
        decision=board_decision(session, agreement),
        provider=provider_entry(provider),
        lines=[OrderedLine(
            id=ln.id,
            product_group=display_name(
                product_groups[products[ln.product_id].product_group_id], lang),
            product=LineProduct(code=products[ln.product_id].code,
                                name=display_name(products[ln.product_id], lang),
                                unit=products[ln.product_id].unit),
            provider=line_providers[ln.provider_id].name,
            volume=ln.volume, unit_price=ln.unit_price, total=ln.total,
            price_list=list_codes.get(ln.price_list_id),
            carry_over=ln.carry_over,
        ) for ln in lines],
        lines_total=total,
        years=years,
        goals=[DocumentGoal(
            id=g.id, code=g.code, title=g.title, description=g.description,
            long_term_goal=(CodeTitle(code=long_term[g.long_term_goal_id].code,
                                      title=long_term[g.long_term_goal_id].title)
                            if g.long_term_goal_id in long_term else None),
            actions=[DocAction(description=a.description, responsible=a.responsible)
                     for a in actions if a.goal_id == g.id],
            resources=[DocResource(kind=str(r.kind), description=r.description,
                                   amount=r.amount) for r in resources if r.goal_id == g.id],
            measures=[DocumentMeasure(
                id=m.id, code=m.code, name=m.name, unit=m.unit,
                direction=m.direction.value, frequency=m.frequency.value,
                rollup=m.rollup.value, comparison=m.comparison.value, tolerance=m.tolerance,
                provider=(measure_providers[m.provider_id].name
                          if m.provider_id != provider.id else None),
                indicator=m.indicator_code, baseline=baseline(m),
                targets={tg.year: tg.value for tg in m.targets},
                reward=reward_rule(m),
            ) for m in measures if m.goal_id == g.id],
        ) for g in goals],
        calendar=[CalendarRow(code=p.code, start=p.start, end=p.end, measures=codes)
                  for p, codes in sorted(calendar.values(), key=lambda r: (r[0].end, r[0].start))],
        vouchers=[vouchers.summary(session, user, scheme, date(agreement.year, 12, 31),
                                   provider.id)
                  for b in boards for scheme in vouchers.schemes_of(session, user, b.id,
                                                                      agreement.year)],
        price_lists=price_lists,
    )
