"""The model registry: versions, their records, and promotion through aliases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shopmind_common.errors import NotFound, Unprocessable

from shopmind_decision.registry.repository import RegistryStore
from shopmind_decision.registry.schemas import (
    ALIASES,
    AliasesOut,
    ModelsOut,
    ModelSummary,
    ModelVersionOut,
)
from shopmind_decision.training.result import TrainedModel


def _check_alias(alias: str) -> None:
    if alias not in ALIASES:
        raise Unprocessable(f"unknown alias {alias!r}; expected one of {', '.join(ALIASES)}",
                            details=[{"field": "alias", "message": "unknown alias"}])


class RegistryService:
    def register(self, store: RegistryStore, name: str, trained: TrainedModel, *,
                 job_id: str | None, promote: str | None) -> int:
        """Save a trained model as the next version of `name`.

        The first version of a model becomes champion; later ones take the alias
        asked for (challenger by default) and are promoted through the API.
        """
        aliases: list[str] = []
        if not store.aliases(name).get("champion"):
            aliases.append("champion")
        elif promote:
            _check_alias(promote)
            aliases.append(promote)
        metadata = {
            "kind": trained.kind, "created_at": datetime.now(UTC).isoformat(),
            "source": trained.source, "training_job_id": job_id, "params": trained.params,
            "metrics": trained.metrics, "data_window": trained.data_window,
        }
        return int(store.add_version(name, save_model=trained.booster.save_model,
                                 schema=trained.schema.as_dict(), metadata=metadata,
                                 aliases=aliases))

    def list_models(self, store: RegistryStore) -> ModelsOut:
        out = []
        for name in store.names():
            versions = store.versions(name)
            meta = store.metadata(name, versions[-1]) if versions else None
            out.append(ModelSummary(name=name, kind=(meta or {}).get("kind"), versions=versions,
                                    aliases=store.aliases(name)))
        return ModelsOut(models=out)

    def require_model(self, store: RegistryStore, name: str) -> list[int]:
        versions = store.versions(name)
        if not versions:
            raise NotFound(f"no model named {name!r}",
                           details=[{"field": "model", "message": "no such model"}])
        return list(versions)

    def get_version(self, store: RegistryStore, name: str, version: int,
                    with_schema: bool = True) -> ModelVersionOut:
        self.require_model(store, name)
        meta = store.metadata(name, version)
        if meta is None:
            raise NotFound(f"model {name!r} has no version {version}",
                           details=[{"field": "version", "message": "no such version"}])
        aliases = [a for a, v in store.aliases(name).items() if v == version]
        data: dict[str, Any] = {k: meta.get(k) for k in (
            "name", "version", "kind", "created_at", "source", "training_job_id", "params",
            "metrics", "data_window", "files")}
        return ModelVersionOut(**data, aliases=sorted(aliases),
                               feature_schema=store.schema(name, version) if with_schema else None)

    def versions(self, store: RegistryStore, name: str) -> list[ModelVersionOut]:
        return [self.get_version(store, name, v, with_schema=False)
                for v in self.require_model(store, name)]

    def promote(self, store: RegistryStore, name: str, alias: str, version: int) -> AliasesOut:
        """Point an alias at a version (promoting a challenger makes it champion)."""
        _check_alias(alias)
        self.require_model(store, name)
        if store.metadata(name, version) is None:
            raise NotFound(f"model {name!r} has no version {version}",
                           details=[{"field": "version", "message": "no such version"}])
        aliases = store.set_alias(name, alias, version)
        if alias == "champion" and aliases.get("challenger") == version:
            aliases = store.remove_alias(name, "challenger")
        return AliasesOut(name=name, aliases=aliases)

    def aliases(self, store: RegistryStore, name: str) -> AliasesOut:
        self.require_model(store, name)
        return AliasesOut(name=name, aliases=store.aliases(name))


registry = RegistryService()
