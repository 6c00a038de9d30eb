"""Tiny random-weight checkpoints for tests of code that uses the model layer.

    path = build_tiny_causal_lm(tmp_path / "lm")      # a 2-layer Llama, chat template included
    path = build_tiny_classifier(tmp_path / "clf")    # a 2-layer BERT, negative/positive

They load in well under a second and need no hub; their output is noise,
so tests check shapes, caps, plumbing and determinism, never wording.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_WORDS = [
    "the",
    "a",
    "good",
    "bad",
    "great",
    "terrible",
    "battery",
    "screen",
    "is",
    "not",
    "very",
    "price",
    "hello",
    "world",
    "system",
    "user",
    "assistant",
    ":",
    "\n",
]
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} \n {% endfor %}"
    "{% if add_generation_prompt %}assistant : {% endif %}"
)


def _tokenizer() -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    fast: Any = PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<pad>", "<unk>", "<s>", "</s>", *_WORDS])}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return fast(
        tokenizer_object=core,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
    )


def build_tiny_causal_lm(path: str | Path, seed: int = 0) -> Path:
    """Save a 2-layer Llama with random weights and a chat template at `path`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tok = _tokenizer()
    tok.chat_template = CHAT_TEMPLATE
    config: Any = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    path = Path(path)
    LlamaForCausalLM(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def build_tiny_classifier(path: str | Path, seed: int = 0) -> Path:
    """Save a 2-layer BERT sequence classifier (NEGATIVE/POSITIVE) with random weights."""
    import torch
    from transformers import BertConfig as _BertConfig
    from transformers import BertForSequenceClassification

    BertConfig: Any = _BertConfig

    torch.manual_seed(seed)
    tok = _tokenizer()
    config: Any = BertConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=64,
        num_labels=2,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
        pad_token_id=tok.pad_token_id,
    )
    path = Path(path)
    BertForSequenceClassification(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path
