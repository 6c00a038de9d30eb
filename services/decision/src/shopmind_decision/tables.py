"""The decision service's tables (SQLite or PostgreSQL through the same SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The feature store's source of truth: every accepted behaviour event, once (keyed by event id).
behavior_events = Table(
    "decision_behavior_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("user_id", String(128), nullable=False),
    Column("product_id", String(128), nullable=False),
    Column("category", String(200), nullable=False),
    Column("action", String(16), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("price", Float, nullable=False),
    Column("discount", Float, nullable=False),
    Column("session_id", String(128), nullable=False, default=""),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("day", Integer, nullable=False),  # days since 1970-01-01 UTC: portable bucketing
    Index("ix_decision_behavior_user_day", "user_id", "day"),
    Index("ix_decision_behavior_category_day", "category", "day"),
    Index("ix_decision_behavior_product_day", "product_id", "day"),
    Index("ix_decision_behavior_day", "day"),
)

training_jobs = Table(
    "decision_training_jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("model_name", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # queued | running | succeeded | failed
    Column("params", JSON, nullable=False),
    Column("error", Text, nullable=True),
    Column("model_version", Integer, nullable=True),
    Column("metrics", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

# The prediction log: scored batches and the explanations kept for them. With SQLite it is
# a file of its own (its rows are megabyte blobs; see main.py); with PostgreSQL the same
# database as the rest.
prediction_metadata = MetaData()

# One row per scoring call; a prediction id is "<batch id>-<row>". Arrays are float32 bytes.
prediction_batches = Table(
    "decision_prediction_batches",
    prediction_metadata,
    Column("id", String(40), primary_key=True),
    Column("model_name", String(64), nullable=False),
    Column("model_version", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    Column("feature_names", JSON, nullable=False),
    Column("features", LargeBinary, nullable=False),
    Column("scores", LargeBinary, nullable=False),
    Column("contributions", LargeBinary, nullable=True),  # (count, features + 1) when explained
    Column("entities", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_decision_prediction_batches_created_at", "created_at"),  # retention
)

# Where a batch's features are when they went to a segment file (predictions/segments.py);
# its `features` column is then empty.
prediction_features = Table(
    "decision_prediction_features",
    prediction_metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("segment", String(128), nullable=False),
    Column("start", BigInteger, nullable=False),  # of the payload, past its header
    Column("length", BigInteger, nullable=False),
    # "rows": (count, features) row-major; "columns": (features, count), one feature's
    # values after another, as an Arrow body arrives.
    Column("layout", String(8), nullable=False),
    Index("ix_decision_prediction_features_segment", "segment"),  # retention: still in use?
)

# Explanations of batch rows scored without one, computed and kept on first fetch.
explanations = Table(
    "decision_explanations",
    prediction_metadata,
    Column("prediction_id", String(64), primary_key=True),
    Column("contributions", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_decision_explanations_created_at", "created_at"),  # retention
)
