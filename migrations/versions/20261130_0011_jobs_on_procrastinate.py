"""jobs on procrastinate: a render job's attempts and heartbeat; procrastinate's schema on
PostgreSQL

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-30 01:10:00

procrastinate's tables and functions come from the ``schema.sql`` that the installed package
ships (procrastinate 3.10; pyproject pins the minor version). A later procrastinate release
that changes its schema ships its own migrations (procrastinate/sql/migrations): a new Alembic
revision applies them, as this one applies the schema.
"""

from collections.abc import Sequence
from importlib.resources import files

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return  # SQLite: the jobs run in the server's own process, from render_jobs
    schema = files('procrastinate.sql').joinpath('schema.sql').read_text(encoding='utf-8')
    # Without parameters, as one script: the driver does not look for %s placeholders in it.
    with bind.connection.cursor() as cursor:
        cursor.execute(schema)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        bind.exec_driver_sql(
            "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_jobs, procrastinate_workers CASCADE")
        functions = bind.exec_driver_sql(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%%'").scalars()
        for function in list(functions):
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function} CASCADE")
        bind.exec_driver_sql(
            "DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
            "procrastinate_job_status CASCADE")
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('attempts')
