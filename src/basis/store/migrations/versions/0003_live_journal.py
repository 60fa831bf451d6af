"""The live order journal: runs, orders, fills, funding, events, controls and checkpoints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "basis_live_runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(64), nullable=False),
        sa.Column("paper", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_basis_live_runs"),
    )
    op.create_index("ix_basis_live_runs_started_at", "basis_live_runs", ["started_at"])
    op.create_table(
        "basis_live_orders",
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("market", sa.String(200), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("price", sa.Double(), nullable=True),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("intent", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("venue_order_id", sa.String(128), nullable=True),
        sa.Column("filled", sa.Double(), nullable=False),
        sa.Column("average", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["basis_live_runs.run_id"],
            name="fk_basis_live_orders_run_id_basis_live_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_order_id", name="pk_basis_live_orders"),
        sa.UniqueConstraint("run_id", "seq", name="uq_basis_live_orders_run_id_seq"),
    )
    op.create_index("ix_basis_live_orders_state", "basis_live_orders", ["state"])
    op.create_index(
        "ix_basis_live_orders_venue_created_at", "basis_live_orders", ["venue", "created_at"]
    )
    op.create_table(
        "basis_live_fills",
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("trade_id", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("venue_order_id", sa.String(128), nullable=False),
        sa.Column("market", sa.String(200), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("fee", sa.Double(), nullable=False),
        sa.Column("fee_asset", sa.String(32), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_order_id"],
            ["basis_live_orders.client_order_id"],
            name="fk_basis_live_fills_client_order_id_basis_live_orders",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("venue", "trade_id", name="pk_basis_live_fills"),
    )
    op.create_index("ix_basis_live_fills_client_order_id", "basis_live_fills", ["client_order_id"])
    op.create_table(
        "basis_live_funding",
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("funding_id", sa.String(128), nullable=False),
        sa.Column("market", sa.String(200), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("venue", "funding_id", name="pk_basis_live_funding"),
    )
    op.create_table(
        "basis_live_events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("amounts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["basis_live_runs.run_id"],
            name="fk_basis_live_events_run_id_basis_live_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_basis_live_events"),
    )
    op.create_index(
        "ix_basis_live_events_run_id_event_id", "basis_live_events", ["run_id", "event_id"]
    )
    op.create_table(
        "basis_live_controls",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_basis_live_controls"),
    )
    op.create_table(
        "basis_live_checkpoints",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["basis_live_runs.run_id"],
            name="fk_basis_live_checkpoints_run_id_basis_live_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name="pk_basis_live_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("basis_live_checkpoints")
    op.drop_table("basis_live_controls")
    op.drop_index("ix_basis_live_events_run_id_event_id", table_name="basis_live_events")
    op.drop_table("basis_live_events")
    op.drop_table("basis_live_funding")
    op.drop_index("ix_basis_live_fills_client_order_id", table_name="basis_live_fills")
    op.drop_table("basis_live_fills")
    op.drop_index("ix_basis_live_orders_venue_created_at", table_name="basis_live_orders")
    op.drop_index("ix_basis_live_orders_state", table_name="basis_live_orders")
    op.drop_table("basis_live_orders")
    op.drop_index("ix_basis_live_runs_started_at", table_name="basis_live_runs")
    op.drop_table("basis_live_runs")
