from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shopmind_decision.registry.repository import RegistryStore


def _save(payload: str):  # type: ignore[no-untyped-def]
    def save(path: str) -> None:
        Path(path).write_text(payload)

    return save


def test_versions_are_numbered_atomically_and_checksummed(tmp_path: Path) -> None:
    store = RegistryStore(tmp_path)

    def add(i: int) -> int:
        return store.add_version("m", save_model=_save(f"model {i}"), schema={"fields": []},
                                 metadata={"kind": "propensity", "i": i})

    with ThreadPoolExecutor(4) as pool:
        versions = sorted(pool.map(add, range(8)))
    assert versions == list(range(1, 9))
    assert store.versions("m") == versions
    assert all(store.verify("m", v) for v in versions)
    assert not any(p.name.startswith(".staging") for p in (tmp_path / "m" / "versions").iterdir())
    store.model_path("m", 3).write_text("tampered")
    assert not store.verify("m", 3)


def test_aliases_move_and_survive_a_new_store(tmp_path: Path) -> None:
    store = RegistryStore(tmp_path)
    v1 = store.add_version("m", save_model=_save("a"), schema={}, metadata={},
                           aliases=["champion"])
    v2 = store.add_version("m", save_model=_save("b"), schema={}, metadata={},
                           aliases=["challenger"])
    assert store.aliases("m") == {"champion": v1, "challenger": v2}
    store.set_alias("m", "champion", v2)
    store.remove_alias("m", "challenger")
    reopened = RegistryStore(tmp_path)
    assert reopened.aliases("m") == {"champion": 2}
    assert json.loads((tmp_path / "m" / "aliases.json").read_text()) == {"champion": 2}
    assert reopened.metadata("m", 1)["version"] == 1
