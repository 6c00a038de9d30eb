from __future__ import annotations

import threading
from pathlib import Path

import pytest
from shopmind_common.models import (
    ChatMessage,
    ModelRegistry,
    ModelSettings,
    TransformersGenerator,
    load_generator,
)


@pytest.fixture(scope="module")
def generator(tiny_causal_lm: Path) -> TransformersGenerator:
    return TransformersGenerator(tiny_causal_lm, device="cpu")


def test_generate_respects_the_token_cap(generator: TransformersGenerator) -> None:
    out = generator.generate("the battery is", max_new_tokens=5)
    assert 1 <= out.completion_tokens <= 5
    assert out.prompt_tokens == 3
    assert out.finish_reason in {"stop", "length"}
    if out.completion_tokens == 5:
        assert out.finish_reason == "length"
    assert out.model == tiny_path_name(generator)


def tiny_path_name(generator: TransformersGenerator) -> str:
    return Path(generator.path).name


def test_greedy_stream_yields_the_same_text_as_generate(generator: TransformersGenerator) -> None:
    whole = generator.generate("hello world", max_new_tokens=8)
    pieces = list(generator.stream("hello world", max_new_tokens=8))
    assert "".join(pieces).strip() == whole.text.strip()
    assert len(pieces) >= 1


def test_chat_messages_use_the_chat_template(generator: TransformersGenerator) -> None:
    ids = generator._encode([ChatMessage("user", "hello")])
    text = generator.tokenizer.decode(ids[0])
    assert text.split() == ["user", ":", "hello", "assistant", ":"]
    out = generator.generate([ChatMessage("user", "hello")], max_new_tokens=3)
    assert out.completion_tokens <= 3


def test_stop_sequence_cuts_the_text(generator: TransformersGenerator) -> None:
    whole = generator.generate("the", max_new_tokens=10).text
    words = whole.split()
    if len(words) < 2:
        pytest.skip("the random model stopped before a second word")
    cut = generator.generate("the", max_new_tokens=10, stop=[words[1]]).text
    assert words[1] not in cut.split()[1:] and cut.strip().startswith(words[0])
    streamed = "".join(generator.stream("the", max_new_tokens=10, stop=[words[1]]))
    assert streamed.strip() == cut.strip()


def test_describe_names_model_path_and_device(
    generator: TransformersGenerator, tiny_causal_lm: Path
) -> None:
    info = generator.describe()
    assert info["backend"] == "transformers"
    assert info["path"] == str(tiny_causal_lm)
    assert info["device"] == "cpu" and info["dtype"] == "float32"


def test_load_generator_loads_once_per_registry(tiny_causal_lm: Path) -> None:
    registry = ModelRegistry()
    settings = ModelSettings(
        LLM_BACKEND="transformers", LLM_MODEL_PATH=str(tiny_causal_lm), MODEL_DEVICE="cpu"
    )
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(load_generator(settings, registry=registry)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(r) for r in results}) == 1
    described = registry.describe()
    assert len(described) == 1
    (entry,) = described.values()
    assert entry["path"] == str(tiny_causal_lm) and "load_seconds" in entry


def test_none_backend_loads_nothing() -> None:
    registry = ModelRegistry()
    assert load_generator(ModelSettings(LLM_BACKEND="none"), registry=registry) is None
    assert registry.describe() == {}


def test_transformers_backend_needs_a_path() -> None:
    with pytest.raises(ValueError, match="LLM_MODEL_PATH"):
        load_generator(ModelSettings(LLM_BACKEND="transformers"), registry=ModelRegistry())


def test_missing_checkpoint_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint directory"):
        TransformersGenerator(tmp_path / "absent", device="cpu")
