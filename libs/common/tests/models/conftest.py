"""Tiny random-weight checkpoints built by the tests themselves (no hub, seconds to make)."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopmind_common.models.testing import build_tiny_causal_lm, build_tiny_classifier


@pytest.fixture(scope="session")
def tiny_causal_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def tiny_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_classifier(tmp_path_factory.mktemp("tiny-clf"))
