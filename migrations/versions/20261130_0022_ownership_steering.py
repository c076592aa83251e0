"""ownership steering: a service agreement's steering (purchase or ownership) and a
measure's reward rule (fixed bonus or share of the excess over its target)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 07:20:11.969551
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reward_kind', sa.Enum('fixed', 'share', name='rewardkind', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('reward_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('reward_percent', sa.Numeric(precision=18, scale=4), nullable=True))
        batch_op.add_column(sa.Column('reward_cap', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('reward_description', sa.Text(), nullable=True))

    with op.batch_alter_table('service_agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steering', sa.Enum('purchase', 'ownership', name='steering', native_enum=False, length=40), server_default='purchase', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('service_agreements', schema=None) as batch_op:
        batch_op.drop_column('steering')

    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_column('reward_description')
        batch_op.drop_column('reward_cap')
        batch_op.drop_column('reward_percent')
        batch_op.drop_column('reward_amount')
        batch_op.drop_column('reward_kind')

