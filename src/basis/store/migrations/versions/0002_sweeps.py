"""Sweeps and optimisation studies, with one row per parameter point.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "basis_sweeps",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(64), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("grid", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_basis_sweeps"),
    )
    op.create_table(
        "basis_sweep_points",
        sa.Column("sweep", sa.String(200), nullable=False),
        sa.Column("point_key", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sweep"],
            ["basis_sweeps.name"],
            name="fk_basis_sweep_points_sweep_basis_sweeps",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["basis_runs.run_id"],
            name="fk_basis_sweep_points_run_id_basis_runs",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("sweep", "point_key", name="pk_basis_sweep_points"),
    )


def downgrade() -> None:
    op.drop_table("basis_sweep_points")
    op.drop_table("basis_sweeps")
