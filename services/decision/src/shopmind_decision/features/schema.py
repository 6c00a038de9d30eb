"""The feature schema saved beside every model: names, meanings, windows and fill values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from shopmind_decision.features.pointintime import FeatureSpec

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FeatureField:
    name: str
    description: str
    kind: str
    window_days: tuple[int, int]
    fill: float
    dtype: str = "float32"


@dataclass(frozen=True)
class FeatureSchema:
    """What a model expects, in column order, and what each column means."""

    model_kind: str
    entity: tuple[str, ...]
    fields: tuple[FeatureField, ...]
    label: dict[str, Any] = field(default_factory=dict)
    output: str = "probability"  # or "units"
    margin: str = "log_odds"  # the space `pred_contribs` adds up in
    schema_version: int = SCHEMA_VERSION

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FeatureField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["entity"] = list(self.entity)
        for f in out["fields"]:
            f["window_days"] = list(f["window_days"])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSchema:
        fields = tuple(FeatureField(
            name=f["name"], description=f["description"], kind=f["kind"],
            window_days=(int(f["window_days"][0]), int(f["window_days"][1])),
            fill=float(f["fill"]), dtype=f.get("dtype", "float32")) for f in data["fields"])
        return cls(model_kind=data["model_kind"], entity=tuple(data["entity"]), fields=fields,
                   label=dict(data.get("label") or {}), output=data.get("output", "probability"),
                   margin=data.get("margin", "log_odds"),
                   schema_version=int(data.get("schema_version", SCHEMA_VERSION)))

    @classmethod
    def from_specs(cls, model_kind: str, entity: Sequence[str], specs: Sequence[FeatureSpec],
                   **kwargs: Any) -> FeatureSchema:
        return cls(model_kind=model_kind, entity=tuple(entity), fields=tuple(
            FeatureField(s.name, s.description, s.kind, s.window, s.fill) for s in specs),
            **kwargs)
