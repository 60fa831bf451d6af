"""Runs, their recorded arrays and their event logs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "basis_runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(64), nullable=False),
        sa.Column("share_class", sa.String(16), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("initial_equity", sa.Double(), nullable=True),
        sa.Column("final_equity", sa.Double(), nullable=True),
        sa.Column("net_flows", sa.Double(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("attribution", sa.JSON(), nullable=False),
        sa.Column("risk", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_basis_runs"),
    )
    op.create_index("ix_basis_runs_mode_created_at", "basis_runs", ["mode", "created_at"])
    op.create_index("ix_basis_runs_created_at", "basis_runs", ["created_at"])
    op.create_table(
        "basis_run_series",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dtype", sa.String(8), nullable=False),
        sa.Column("values", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["basis_runs.run_id"],
            name="fk_basis_run_series_run_id_basis_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "name", name="pk_basis_run_series"),
    )
    op.create_table(
        "basis_run_events",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("size", sa.Double(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("cost", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["basis_runs.run_id"],
            name="fk_basis_run_events_run_id_basis_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name="pk_basis_run_events"),
    )


def downgrade() -> None:
    op.drop_table("basis_run_events")
    op.drop_table("basis_run_series")
    op.drop_index("ix_basis_runs_created_at", table_name="basis_runs")
    op.drop_index("ix_basis_runs_mode_created_at", table_name="basis_runs")
    op.drop_table("basis_runs")
