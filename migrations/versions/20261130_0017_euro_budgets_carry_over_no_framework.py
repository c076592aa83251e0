"""euro budgets, carry-over of a year's surplus or deficit, agreements without a framework

Order budget lines may give an appropriation in euros instead of volume × unit price, and may
carry the year before's surplus or deficit over; a delivery on such a line may have no volume;
a service agreement may stand outside any framework agreement.

Revision ID: 0017
Revises: 0018
Create Date: 2026-11-30 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('order_budget_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appropriation', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('carry_over', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('volume', existing_type=sa.Numeric(precision=16, scale=4), nullable=True)
        batch_op.alter_column('unit_price', existing_type=sa.Numeric(precision=14, scale=2), nullable=True)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('volume', existing_type=sa.Numeric(precision=16, scale=4), nullable=True)
    with op.batch_alter_table('service_agreements', schema=None) as batch_op:
        batch_op.alter_column('framework_agreement_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # A line of euros only, a delivery without a volume or an agreement without a framework
    # has no place in the older schema: downgrading a database that holds one fails (NOT NULL).
    with op.batch_alter_table('service_agreements', schema=None) as batch_op:
        batch_op.alter_column('framework_agreement_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('volume', existing_type=sa.Numeric(precision=16, scale=4), nullable=False)
    with op.batch_alter_table('order_budget_lines', schema=None) as batch_op:
        batch_op.alter_column('unit_price', existing_type=sa.Numeric(precision=14, scale=2), nullable=False)
        batch_op.alter_column('volume', existing_type=sa.Numeric(precision=16, scale=4), nullable=False)
        batch_op.drop_column('carry_over')
        batch_op.drop_column('appropriation')
