"""What one decision app holds for its lifetime: the database, the registry and loaded models."""

from __future__ import annotations

from dataclasses import dataclass

from shopmind_common.db import Database
from shopmind_common.events import EventBus

from shopmind_decision.config import DecisionSettings
from shopmind_decision.predictions.loaded import ModelCache
from shopmind_decision.predictions.retention import PredictionRetention
from shopmind_decision.predictions.store import PredictionStore
from shopmind_decision.registry.repository import RegistryStore
from shopmind_decision.training.runner import JobRunner


@dataclass
class DecisionState:
    settings: DecisionSettings
    db: Database
    store: RegistryStore
    models: ModelCache
    jobs: JobRunner
    bus: EventBus
    predictions: PredictionStore
    retention: PredictionRetention
