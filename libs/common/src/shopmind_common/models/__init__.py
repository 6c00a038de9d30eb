"""The shared model layer: load each model once per process, from a package or a path.

Nothing here imports torch or transformers until a backend is loaded, so
processes without them (the gateway) can import this package.

    from shopmind_common.models import ModelSettings, load_generator
    gen = load_generator(ModelSettings())     # None when LLM_BACKEND=none
"""

from __future__ import annotations

from shopmind_common.models.batching import DynamicBatcher
from shopmind_common.models.builtin import BUILTIN_NAME, is_prepared, prepare
from shopmind_common.models.classification import SequenceClassifier, load_sequence_classifier
from shopmind_common.models.generation import (
    ChatMessage,
    Generation,
    GenerationError,
    OpenAIGenerator,
    Prompt,
    TextGenerator,
    TransformersGenerator,
    generator_key,
    load_generator,
    warm_up,
)
from shopmind_common.models.registry import ModelRegistry, get_registry
from shopmind_common.models.settings import Device, GenerationBackend, ModelSettings

__all__ = [
    "BUILTIN_NAME",
    "ChatMessage",
    "Device",
    "DynamicBatcher",
    "Generation",
    "GenerationBackend",
    "GenerationError",
    "ModelRegistry",
    "ModelSettings",
    "OpenAIGenerator",
    "Prompt",
    "SequenceClassifier",
    "TextGenerator",
    "TransformersGenerator",
    "generator_key",
    "get_registry",
    "is_prepared",
    "load_generator",
    "load_sequence_classifier",
    "prepare",
    "warm_up",
]
