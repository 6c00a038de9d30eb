"""Device and dtype choice; torch is imported only when a backend needs it."""

from __future__ import annotations

from pathlib import Path
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


def open_checkpoint(
    path: str | Path, *, device: str, threads: int | None, cpu_dtype: str
) -> tuple[str, str, Any]:
    """A local checkpoint directory made ready to load: torch's threads set, the
    directory checked, the device and dtype chosen. Returns (path, device, dtype)."""
    set_threads(threads)
    where = str(Path(path).expanduser())
    if not Path(where).is_dir():
        raise FileNotFoundError(f"no checkpoint directory at {where}")
    chosen = pick_device(device)  # type: ignore[arg-type]
    return where, chosen, pick_dtype(chosen, cpu_dtype)
