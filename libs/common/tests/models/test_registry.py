from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from shopmind_common.models import ModelRegistry, get_registry, is_prepared
from shopmind_common.models.builtin import gguf_location


def test_each_key_loads_once_under_concurrency() -> None:
    registry = ModelRegistry()
    loads = []

    def load() -> object:
        loads.append(1)
        time.sleep(0.05)
        return object()

    got: list[object] = []
    threads = [
        threading.Thread(target=lambda: got.append(registry.get_or_load("m", load)))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and len({id(g) for g in got}) == 1
    assert "m" in registry and registry.describe()["m"]["load_seconds"] >= 0
    registry.evict("m")
    assert "m" not in registry


def test_the_process_registry_is_one_object() -> None:
    assert get_registry() is get_registry()


def test_importing_the_layer_does_not_import_torch() -> None:
    code = (
        "import sys, shopmind_common.models as m; m.ModelSettings(); "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_packaged_gguf_is_found_and_an_empty_cache_is_not_prepared(tmp_path: Path) -> None:
    pkg_dir, name = gguf_location()
    assert (pkg_dir / name).stat().st_size > 10_000_000
    assert not is_prepared(tmp_path)
