"""one audit chain per municipality; users' e-mail; reminder digests sent

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-30 02:10:00

The entries written so far keep their hashes: they stay one chain, sealed as chain -1 (its head
row moves from id 1 to -1), which ``sopimus audit verify`` still checks. Rehashing them into
per-municipality chains would rewrite the trail it is meant to protect. New entries go to the
chain of their municipality (0 without one).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE audit_entries SET chain = -1")
    op.execute("UPDATE audit_chain_head SET id = -1 WHERE id = 1")
    op.execute("DELETE FROM audit_chain_head WHERE id = -1 AND entries = 0")  # a fresh install
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_chain', ['chain', 'id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    op.create_table('reminder_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminder_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_digests')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_reminder_digests_user_id_day'))
    )


def downgrade() -> None:
    op.drop_table('reminder_digests')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('email')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_chain')
        batch_op.drop_column('chain')
    # Entries of several chains cannot become one chain again without rehashing them.
    op.execute("DELETE FROM audit_chain_head WHERE id <> -1")
    op.execute("UPDATE audit_chain_head SET id = 1 WHERE id = -1")
    op.execute(f"INSERT INTO audit_chain_head (id, last_hash, entries) SELECT 1, '{'0' * 64}', 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM audit_chain_head)")
