"""Settings of the decision service."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from shopmind_common.settings import ServiceSettings


class DecisionSettings(ServiceSettings):
    service_name: str = "decision"

    # Where model versions live (a Kubernetes volume in production);
    # default <data dir>/decision/models.
    model_dir: str | None = Field(default=None, alias="DECISION_MODEL_DIR")
    # Threads XGBoost uses for batch scoring and training (0: all cores).
    predict_threads: int = Field(default=0, alias="DECISION_PREDICT_THREADS", ge=0)
    train_threads: int = Field(default=0, alias="DECISION_TRAIN_THREADS", ge=0)
    max_batch_rows: int = Field(default=100_000, alias="DECISION_MAX_BATCH_ROWS", ge=1)
    # Stored predictions: "behind" answers before the row is in the database (a bounded
    # buffer serves it by id until a background flush writes it; a crash loses what is
    # still pending); "sync" commits inside the request. See the README.
    prediction_write: Literal["sync", "behind"] = Field(default="behind",
                                                        alias="DECISION_PREDICTION_WRITE")
    prediction_buffer_rows: int = Field(default=200_000, alias="DECISION_PREDICTION_BUFFER_ROWS",
                                        ge=1)
    prediction_flush_interval_s: float = Field(default=0.05,
                                               alias="DECISION_PREDICTION_FLUSH_INTERVAL_S",
                                               gt=0, le=60)
    # Where a scored batch's features go: "segments" appends them to files in
    # prediction_segments_dir (the row keeps where), "database" stores them in the row;
    # "auto" is segments with the SQLite default and the database with DATABASE_URL, where
    # replicas share no disk unless a ReadWriteMany volume is mounted for them.
    prediction_features: Literal["auto", "segments", "database"] = Field(
        default="auto", alias="DECISION_PREDICTION_FEATURES")
    # default <data dir>/decision/prediction-segments
    prediction_segments_dir: str | None = Field(default=None,
                                                alias="DECISION_PREDICTION_SEGMENTS_DIR")
    # Segments written with O_DIRECT (around the page cache) where the file system takes it.
    prediction_segments_direct_io: bool = Field(default=True,
                                                alias="DECISION_PREDICTION_SEGMENTS_DIRECT_IO")
    # How long stored predictions (batches, their features, kept explanations) are kept;
    # unset keeps them for ever. See predictions/retention.py.
    prediction_retention_days: float | None = Field(default=None,
                                                    alias="DECISION_PREDICTION_RETENTION_DAYS",
                                                    gt=0)
    prediction_sweep_interval_s: float = Field(default=3600.0,
                                               alias="DECISION_PREDICTION_SWEEP_INTERVAL_S",
                                               gt=0)
    # How long a request waits for room in a full buffer before a 503.
    prediction_buffer_wait_s: float = Field(default=5.0, alias="DECISION_PREDICTION_BUFFER_WAIT_S",
                                            ge=0)
    # How long the population window behind online category features is reused.
    population_ttl_s: float = Field(default=300.0, alias="DECISION_POPULATION_TTL_S", gt=0)
    # Insight summaries: "auto" tries the shared model layer, then nlp, then the template.
    insights_backend: str = Field(default="auto", alias="DECISION_INSIGHTS_BACKEND",
                                  pattern="^(auto|model|nlp|template)$")
    insights_timeout_s: float = Field(default=20.0, alias="DECISION_INSIGHTS_TIMEOUT_S", gt=0)

    def segments_path(self) -> Path:
        if self.prediction_segments_dir:
            return Path(self.prediction_segments_dir).expanduser()
        return Path(self.data_dir).expanduser() / "decision" / "prediction-segments"

    def segments_written(self) -> bool:
        if self.prediction_features == "auto":
            return not self.database_url
        return self.prediction_features == "segments"

    def registry_path(self) -> Path:
        if self.model_dir:
            return Path(self.model_dir).expanduser()
        return Path(self.data_dir).expanduser() / "decision" / "models"
