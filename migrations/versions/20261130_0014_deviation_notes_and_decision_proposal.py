"""deviation notes on values; the decision proposal of an issued report and its job

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-30 02:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deviation_notes',
    sa.Column('indicator_value_id', sa.Integer(), nullable=False),
    sa.Column('author_role', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('explanation', 'corrective_action', 'answer', 'accepted', name='notekind', native_enum=False, length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('action_due', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=150), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['indicator_value_id'], ['indicator_values.id'], name=op.f('fk_deviation_notes_indicator_value_id_indicator_values'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_deviation_notes_municipality_id_municipalities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_notes'))
    )
    with op.batch_alter_table('deviation_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_notes_indicator_value_id'), ['indicator_value_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_notes_municipality_id'), ['municipality_id'], unique=False)
    with op.batch_alter_table('issued_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_proposal', sa.Text(), nullable=True))
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_proposal', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.drop_column('decision_proposal')
    with op.batch_alter_table('issued_reports', schema=None) as batch_op:
        batch_op.drop_column('decision_proposal')
    with op.batch_alter_table('deviation_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_notes_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_deviation_notes_indicator_value_id'))
    op.drop_table('deviation_notes')
