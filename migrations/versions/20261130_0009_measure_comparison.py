"""a measure's part-year comparison, backfilled from its roll-up

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPARISON = sa.Enum('pro_rated_sum', 'year_to_date_level', 'latest_level', 'target_path',
                     name='comparison', native_enum=False, length=40)


def upgrade() -> None:
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comparison', COMPARISON, nullable=True))
    # What each measure was compared by before: a sum pro-rated, a mean and a last as levels.
    op.execute("UPDATE measures SET comparison = CASE rollup WHEN 'sum' THEN 'pro_rated_sum' "
               "WHEN 'mean' THEN 'year_to_date_level' ELSE 'latest_level' END")
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.alter_column('comparison', existing_type=COMPARISON, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_column('comparison')
