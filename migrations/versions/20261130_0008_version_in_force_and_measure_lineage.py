"""version in force (effective_from) and measures that keep their identity across versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 01:20:00

- ``effective_from`` on framework agreements, order budgets and service agreements: the day an
  approved version counts from; existing approved versions take their approval's meeting date
  (or the day they were approved, if no date was recorded).
- ``measures.lineage``: one identity per (agreement code, goal code, measure code) across the
  versions of an agreement; ``indicator_values.lineage`` is its measure's, and a value is unique
  per lineage and period instead of per measure version and period.
"""

from collections.abc import Sequence
from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGREEMENTS = {"framework_agreements": "framework_agreement_id",
              "order_budgets": "order_budget_id",
              "service_agreements": "service_agreement_id"}
APPROVED = ("approved", "in_force", "closed", "superseded")


def _effective_from(bind: sa.Connection, table: str, column: str) -> None:
    rows = bind.execute(sa.text(
        f"SELECT a.id, MAX(t.event_date), MAX(t.created_at) FROM {table} a "
        f"JOIN agreement_transitions t ON t.{column} = a.id AND t.to_status = 'approved' "
        f"AND t.version = a.version WHERE a.status IN {APPROVED} GROUP BY a.id")).all()
    for agreement_id, event_date, approved_at in rows:
        day = event_date if event_date is not None else approved_at
        if isinstance(day, str):  # SQLite hands dates and datetimes back as text
            day = day[:10]
        elif day is not None and hasattr(day, "date"):
            day = day.date()
        bind.execute(sa.text(f"UPDATE {table} SET effective_from = :day WHERE id = :id"),
                     {"day": day, "id": agreement_id})


def _lineages(bind: sa.Connection) -> None:
    rows = bind.execute(sa.text(
        "SELECT m.id, sa.municipality_id, sa.code, g.code, m.code FROM measures m "
        "JOIN goals g ON g.id = m.goal_id JOIN service_agreements sa "
        "ON sa.id = g.service_agreement_id")).all()
    lineage: dict[tuple[object, ...], str] = {}
    for measure_id, *key in rows:
        bind.execute(sa.text("UPDATE measures SET lineage = :lineage WHERE id = :id"),
                     {"lineage": lineage.setdefault(tuple(key), uuid4().hex), "id": measure_id})
    bind.execute(sa.text("UPDATE indicator_values SET lineage = (SELECT m.lineage FROM measures m "
                         "WHERE m.id = indicator_values.measure_id)"))


def upgrade() -> None:
    for table in AGREEMENTS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('effective_from', sa.Date(), nullable=True))
    with op.batch_alter_table('measures') as batch:
        batch.add_column(sa.Column('lineage', sa.String(length=32), nullable=True))
    with op.batch_alter_table('indicator_values') as batch:
        batch.add_column(sa.Column('lineage', sa.String(length=32), nullable=True))
    bind = op.get_bind()
    for table, column in AGREEMENTS.items():
        _effective_from(bind, table, column)
    _lineages(bind)
    with op.batch_alter_table('measures') as batch:
        batch.alter_column('lineage', existing_type=sa.String(length=32), nullable=False)
        batch.create_index(batch.f('ix_measures_lineage'), ['lineage'], unique=False)
    with op.batch_alter_table('indicator_values') as batch:
        batch.alter_column('lineage', existing_type=sa.String(length=32), nullable=False)
        batch.create_index(batch.f('ix_indicator_values_lineage'), ['lineage'], unique=False)
        batch.drop_constraint('uq_indicator_values_measure_id_period', type_='unique')
        batch.create_unique_constraint(batch.f('uq_indicator_values_lineage_period'),
                                       ['lineage', 'period'])


def downgrade() -> None:
    with op.batch_alter_table('indicator_values') as batch:
        batch.drop_constraint('uq_indicator_values_lineage_period', type_='unique')
        batch.create_unique_constraint(batch.f('uq_indicator_values_measure_id_period'),
                                       ['measure_id', 'period'])
        batch.drop_index(batch.f('ix_indicator_values_lineage'))
        batch.drop_column('lineage')
    with op.batch_alter_table('measures') as batch:
        batch.drop_index(batch.f('ix_measures_lineage'))
        batch.drop_column('lineage')
    for table in AGREEMENTS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('effective_from')
