"""The results tables: one row per run, one blob per recorded array, one row per event;
the sweeps (grids and optimisation studies) with one row per parameter point; and the live
order journal (runs, orders, fills, funding, events, controls, checkpoints); the managed
accounts with their encrypted credentials, the key store's master-key check, and the
hash-chained audit log.

The migrations in `migrations/versions/` create exactly these tables; a test compares them.
Arrays are stored as raw little-endian bytes (`<i8` for `times`, `<f8` for the rest), so a
run loads back bit for bit; JSON documents keep non-finite floats through `JsonDocument`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "VERSION_TABLE",
    "JsonDocument",
    "UtcDateTime",
    "accounts",
    "api_tokens",
    "audit_log",
    "events",
    "keyring",
    "live_checkpoints",
    "live_controls",
    "live_events",
    "live_fills",
    "live_funding",
    "live_orders",
    "live_runs",
    "metadata",
    "runs",
    "series",
    "sessions",
    "sweep_points",
    "sweeps",
    "users",
]

VERSION_TABLE: Final = "basis_alembic_version"
"""Alembic's revision table, prefixed so the store can share a database with other apps."""

RUN_ID_LENGTH: Final = 64

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)

_FLOAT_TAG: Final = "$float"


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware instant, read back in UTC on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: the store keeps UTC instants")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JsonDocument(sa.TypeDecorator[Any]):
    """JSON that keeps NaN and ±inf (as `{"$float": "nan"}`) and accepts numpy scalars.

    Plain JSON (not JSONB) on PostgreSQL, so key order and number text are kept as written.
    """

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return _encode(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return _decode(value)


def _encode(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT_TAG: repr(value)}
    if isinstance(value, Mapping):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get(_FLOAT_TAG), str):
            return float(value[_FLOAT_TAG])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


runs = sa.Table(
    "basis_runs",
    metadata,
    sa.Column("run_id", sa.String(RUN_ID_LENGTH), primary_key=True),
    sa.Column("mode", sa.String(64), nullable=False),
    sa.Column("share_class", sa.String(16), nullable=False),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("start", UtcDateTime(), nullable=False),
    sa.Column("end", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("steps", sa.Integer(), nullable=False),
    sa.Column("initial_equity", sa.Double(), nullable=True),  # NULL: NaN (SQLite has none)
    sa.Column("final_equity", sa.Double(), nullable=True),
    sa.Column("net_flows", sa.Double(), nullable=True),
    sa.Column("config", JsonDocument(), nullable=False),
    sa.Column("metrics", JsonDocument(), nullable=False),
    sa.Column("attribution", JsonDocument(), nullable=False),
    sa.Column("risk", JsonDocument(), nullable=False),
    sa.Column("warnings", JsonDocument(), nullable=False),
    sa.Index(None, "mode", "created_at"),
    sa.Index(None, "created_at"),
)

series = sa.Table(
    "basis_run_series",
    metadata,
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LENGTH),
        sa.ForeignKey(runs.c.run_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("position", sa.Integer(), nullable=False),  # keeps the recorded order
    sa.Column("dtype", sa.String(8), nullable=False),  # numpy dtype string: <f8 or <i8
    sa.Column("values", sa.LargeBinary(), nullable=False),
)

events = sa.Table(
    "basis_run_events",
    metadata,
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LENGTH),
        sa.ForeignKey(runs.c.run_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer(), primary_key=True),
    sa.Column("time", UtcDateTime(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("account", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("size", sa.Double(), nullable=True),  # NULL: NaN
    sa.Column("value", sa.Double(), nullable=True),
    sa.Column("cost", sa.Double(), nullable=True),
)

SWEEP_NAME_LENGTH: Final = 200
POINT_KEY_LENGTH: Final = 64

sweeps = sa.Table(
    "basis_sweeps",
    metadata,
    sa.Column("name", sa.String(SWEEP_NAME_LENGTH), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # sweep | optimize
    sa.Column("mode", sa.String(64), nullable=False),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("grid", JsonDocument(), nullable=False),  # the grid or space, window, capital
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

sweep_points = sa.Table(
    "basis_sweep_points",
    metadata,
    sa.Column(
        "sweep",
        sa.String(SWEEP_NAME_LENGTH),
        sa.ForeignKey(sweeps.c.name, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("point_key", sa.String(POINT_KEY_LENGTH), primary_key=True),  # sha256 hex
    sa.Column("position", sa.Integer(), nullable=False),  # order of the point in the grid
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("params", JsonDocument(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # done | failed
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LENGTH),
        sa.ForeignKey(runs.c.run_id, ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("seconds", sa.Double(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

CLIENT_ID_LENGTH: Final = 64
VENUE_LENGTH: Final = 32
VENUE_ID_LENGTH: Final = 128  # a venue's own order, trade or funding id

live_runs = sa.Table(
    "basis_live_runs",
    metadata,
    sa.Column("run_id", sa.String(RUN_ID_LENGTH), primary_key=True),
    sa.Column("mode", sa.String(64), nullable=False),
    sa.Column("paper", sa.Boolean(), nullable=False),
    sa.Column("config", JsonDocument(), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("stopped_at", UtcDateTime(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # running | stopped
    sa.Index(None, "started_at"),
)

live_orders = sa.Table(
    "basis_live_orders",
    metadata,
    sa.Column("client_order_id", sa.String(CLIENT_ID_LENGTH), primary_key=True),
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LENGTH),
        sa.ForeignKey(live_runs.c.run_id, ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("venue", sa.String(VENUE_LENGTH), nullable=False),
    sa.Column("market", sa.String(200), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("amount", sa.Double(), nullable=False),
    sa.Column("type", sa.String(8), nullable=False),
    sa.Column("price", sa.Double(), nullable=True),
    sa.Column("reduce_only", sa.Boolean(), nullable=False),
    sa.Column("intent", sa.Text(), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("venue_order_id", sa.String(VENUE_ID_LENGTH), nullable=True),
    sa.Column("filled", sa.Double(), nullable=False),
    sa.Column("average", sa.Double(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.UniqueConstraint("run_id", "seq", name="uq_basis_live_orders_run_id_seq"),
    sa.Index(None, "state"),
    sa.Index(None, "venue", "created_at"),
)

live_fills = sa.Table(
    "basis_live_fills",
    metadata,
    sa.Column("venue", sa.String(VENUE_LENGTH), primary_key=True),
    sa.Column("trade_id", sa.String(VENUE_ID_LENGTH), primary_key=True),
    sa.Column(
        "client_order_id",
        sa.String(CLIENT_ID_LENGTH),
        sa.ForeignKey(live_orders.c.client_order_id, ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("venue_order_id", sa.String(VENUE_ID_LENGTH), nullable=False),
    sa.Column("market", sa.String(200), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("amount", sa.Double(), nullable=False),
    sa.Column("price", sa.Double(), nullable=False),
    sa.Column("fee", sa.Double(), nullable=False),
    sa.Column("fee_asset", sa.String(32), nullable=False),
    sa.Column("time", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("booked_at", UtcDateTime(), nullable=True),  # NULL until booked into the book
    sa.Index(None, "client_order_id"),
)

live_funding = sa.Table(
    "basis_live_funding",
    metadata,
    sa.Column("venue", sa.String(VENUE_LENGTH), primary_key=True),
    sa.Column("funding_id", sa.String(VENUE_ID_LENGTH), primary_key=True),
    sa.Column("market", sa.String(200), nullable=False),
    sa.Column("amount", sa.Double(), nullable=False),
    sa.Column("time", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("booked_at", UtcDateTime(), nullable=True),
)

live_events = sa.Table(
    "basis_live_events",
    metadata,
    sa.Column("event_id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LENGTH),
        sa.ForeignKey(live_runs.c.run_id, ondelete="CASCADE"),
        nullable=True,  # NULL: an event of no run (a kill requested while none was alive)
    ),
    sa.Column("time", UtcDateTime(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("amounts", JsonDocument(), nullable=False),
    sa.Index(None, "run_id", "event_id"),
)

live_controls = sa.Table(
    "basis_live_controls",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),  # "kill"
    sa.Column("document", JsonDocument(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

live_checkpoints = sa.Table(
    "basis_live_checkpoints",
    metadata,
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LENGTH),
        sa.ForeignKey(live_runs.c.run_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("document", JsonDocument(), nullable=False),
    sa.Column("saved_at", UtcDateTime(), nullable=False),
)


USER_NAME_LENGTH: Final = 64
TOKEN_ID_LENGTH: Final = 16

users = sa.Table(
    "basis_users",
    metadata,
    sa.Column("name", sa.String(USER_NAME_LENGTH), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # admin | trader | viewer
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id, PHC string
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("disabled", sa.Boolean(), nullable=False),
    # Bumped on a password change or disable: every token issued before stops working.
    sa.Column("session_version", sa.Integer(), nullable=False),
    sa.Column("failed_logins", sa.Integer(), nullable=False),  # consecutive, reset on success
    sa.Column("locked_until", UtcDateTime(), nullable=True),  # login back-off
)

api_tokens = sa.Table(
    "basis_api_tokens",
    metadata,
    sa.Column("token_id", sa.String(TOKEN_ID_LENGTH), primary_key=True),  # public, in the token
    sa.Column(
        "user_name",
        sa.String(USER_NAME_LENGTH),
        sa.ForeignKey(users.c.name, ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # sha256 hex of the secret part
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Index(None, "user_name"),
)


ACCOUNT_NAME_LENGTH: Final = 64

accounts = sa.Table(
    "basis_accounts",
    metadata,
    sa.Column("name", sa.String(ACCOUNT_NAME_LENGTH), primary_key=True),
    sa.Column("venue", sa.String(VENUE_LENGTH), nullable=False),
    sa.Column("testnet", sa.Boolean(), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("tags", JsonDocument(), nullable=False),  # a list of strings
    sa.Column("limits", JsonDocument(), nullable=False),  # reserved: per-account limits
    sa.Column("status", sa.String(16), nullable=False),  # active | disabled
    sa.Column("fingerprint", sa.String(32), nullable=False),  # of the API key, never the secret
    sa.Column("nonce", sa.LargeBinary(), nullable=False),  # AES-GCM, fresh per write
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),  # credentials + tag
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

keyring = sa.Table(
    "basis_keyring",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),  # "master"
    sa.Column("kdf", sa.String(16), nullable=False),  # raw | scrypt
    sa.Column("params", JsonDocument(), nullable=False),  # scrypt n, r, p
    sa.Column("salt", sa.LargeBinary(), nullable=False),  # empty for raw
    sa.Column("nonce", sa.LargeBinary(), nullable=False),
    sa.Column("check", sa.LargeBinary(), nullable=False),  # a known text under the key
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

audit_log = sa.Table(
    "basis_audit_log",
    metadata,
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("time", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("details", sa.Text(), nullable=False),  # canonical JSON, as hashed
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

SESSION_NAME_LENGTH: Final = 64

sessions = sa.Table(
    "basis_sessions",
    metadata,
    sa.Column("name", sa.String(SESSION_NAME_LENGTH), primary_key=True),
    sa.Column("mode", sa.String(64), nullable=False),
    sa.Column("accounts", JsonDocument(), nullable=False),  # account names, in order
    sa.Column("allocation", JsonDocument(), nullable=False),  # account -> weight, sums to 1
    sa.Column("overrides", JsonDocument(), nullable=False),  # --set key=value, in order
    sa.Column("capital", sa.Float(), nullable=False),  # paper: split by the allocation
    sa.Column("shared_capacity", sa.Boolean(), nullable=False),  # size as the smallest
    sa.Column("state", sa.String(16), nullable=False),  # created|running|paused|stopped
    sa.Column("runs", JsonDocument(), nullable=False),  # account -> journal run id
    sa.Column("status", JsonDocument(), nullable=True),  # the last tick's aggregate view
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
