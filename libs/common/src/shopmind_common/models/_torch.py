"""Device and dtype choice; torch is imported only when a backend needs it."""

from __future__ import annotations

from typing import Any

from shopmind_common.models.settings import Device


def pick_device(wanted: Device = "auto") -> str:
    """`cuda` when asked for or available under `auto`, else `cpu`."""
    import torch

    if wanted == "cpu":
        return "cpu"
    if wanted == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("MODEL_DEVICE=cuda but no CUDA device is available")
        return "cuda"
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(device: str, cpu_dtype: str = "float32") -> Any:
    """bf16 on GPU (where it is fast and safe); on CPU what MODEL_CPU_DTYPE says."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16
    return torch.bfloat16 if cpu_dtype == "bfloat16" else torch.float32


def set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)
