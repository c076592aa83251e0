"""reminders: each item told of once (reminder_items); a user's reminders on or off

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    op.create_table('reminder_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lineage', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.Enum('due', 'overdue', name='reminderkind', native_enum=False, length=40), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['digest_id'], ['reminder_digests.id'], name=op.f('fk_reminder_items_digest_id_reminder_digests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminder_items_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_items')),
    sa.UniqueConstraint('user_id', 'lineage', 'period', 'kind', 'due_date', name=op.f('uq_reminder_items_user_id_lineage_period_kind_due_date'))
    )
    with op.batch_alter_table('reminder_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_items_digest_id'), ['digest_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_items_digest_id'))
    op.drop_table('reminder_items')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reminders')
