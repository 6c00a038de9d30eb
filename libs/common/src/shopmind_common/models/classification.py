"""Sequence classifiers from checkpoint directories (sentiment and the like)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shopmind_common.models.registry import ModelRegistry, get_registry


class SequenceClassifier:
    """A Hugging Face sequence-classification checkpoint; bf16 on GPU, fp32 on CPU."""

    backend = "transformers"

    def __init__(
        self,
        path: str | Path,
        *,
        device: str = "auto",
        max_length: int = 256,
        threads: int | None = None,
        cpu_dtype: str = "float32",
    ) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from shopmind_common.models._torch import open_checkpoint

        self.path, self.device, self.dtype = open_checkpoint(
            path, device=device, threads=threads, cpu_dtype=cpu_dtype
        )
        self.max_length = max_length
        self.tokenizer: Any = AutoTokenizer.from_pretrained(self.path)
        self.model: Any = AutoModelForSequenceClassification.from_pretrained(
            self.path, dtype=self.dtype
        )
        self.model.to(self.device)
        self.model.eval()
        config = self.model.config
        self.labels: list[str] = [
            str(config.id2label[i]).lower() for i in range(int(config.num_labels))
        ]
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "path": self.path,
            "device": self.device,
            "dtype": str(self.dtype).removeprefix("torch."),
            "labels": self.labels,
        }

    def predict_proba(self, texts: Sequence[str]) -> list[list[float]]:
        """Class probabilities per text, in `self.labels` order; one padded forward pass."""
        if not texts:
            return []
        import torch

        enc = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with self._lock, torch.inference_mode():
            logits = self.model(**enc).logits
        probs = torch.softmax(logits.float(), dim=-1).cpu().tolist()
        return [[float(p) for p in row] for row in probs]


def load_sequence_classifier(
    path: str | Path,
    *,
    device: str = "auto",
    max_length: int = 256,
    threads: int | None = None,
    cpu_dtype: str = "float32",
    registry: ModelRegistry | None = None,
) -> SequenceClassifier:
    """The classifier at `path`, loaded once per process."""
    registry = registry or get_registry()
    key = f"classifier:{Path(path).expanduser()}:{device}:{cpu_dtype}"
    return registry.get_or_load(
        key,
        lambda: SequenceClassifier(
            path, device=device, max_length=max_length, threads=threads, cpu_dtype=cpu_dtype
        ),
        describe=lambda c: c.describe(),
    )
