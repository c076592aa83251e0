"""staged uploads in the database: a previewed file is stored from any API process

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staged_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staged_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staged_uploads')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staged_uploads_token_hash'))
    )
    op.create_index(op.f('ix_staged_uploads_user_id'), 'staged_uploads', ['user_id'], unique=False)
    op.create_index(op.f('ix_staged_uploads_created_at'), 'staged_uploads', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_staged_uploads_created_at'), table_name='staged_uploads')
    op.drop_index(op.f('ix_staged_uploads_user_id'), table_name='staged_uploads')
    op.drop_table('staged_uploads')
