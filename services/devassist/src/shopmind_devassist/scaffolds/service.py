"""Scaffolds: parameters checked, context built, templates rendered."""

from __future__ import annotations

import re
from typing import Any

import shopmind.events as event_types
from pydantic import BaseModel
from shopmind.events import EVENT_TYPES

from shopmind_devassist.files import GeneratedFile
from shopmind_devassist.scaffolds.render import render_kind
from shopmind_devassist.scaffolds.schemas import (
    ConsumerScaffold,
    FieldSpec,
    RecommenderScaffold,
    Scaffold,
    ScaffoldKind,
    ServiceScaffold,
)

_COLUMNS = {"str": "String({n})", "int": "Integer()", "float": "Float()", "bool": "Boolean()"}
_SAMPLES: dict[str, Any] = {"int": 3, "float": 2.5, "bool": True}
_WRONG: dict[str, Any] = {"str": 12345, "int": "not-a-number", "float": "not-a-number",
                          "bool": "not-a-boolean"}


def camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _singular(domain: str) -> str:
    if domain.endswith("ies"):
        return domain[:-3] + "y"
    if domain.endswith("ses") or domain.endswith("xes"):
        return domain[:-2]
    if domain.endswith("s") and not domain.endswith("ss"):
        return domain[:-1]
    return domain


def _field_context(f: FieldSpec) -> dict[str, Any]:
    args = ["..." if f.required else "default=None"]
    if f.type == "str" and f.required:
        args.append("min_length=1")
    if f.max_length is not None:
        args.append(f"max_length={f.max_length}")
    if f.description:
        args.append(f"description={f.description!r}")
    annotation = f.type if f.required else f"{f.type} | None"
    column = _COLUMNS[f.type].format(n=f.max_length or 500)
    return {"name": f.name, "annotation": annotation, "field_args": args, "column": column,
            "required": f.required}


def _sample(f: FieldSpec) -> Any:
    if f.type == "str":
        text = f"{f.name.replace('_', ' ')} example"
        return text[: f.max_length] if f.max_length else text
    return _SAMPLES[f.type]


def _constant_of(event_type: str) -> str:
    for name in dir(event_types):
        if name.isupper() and getattr(event_types, name) == event_type:
            return name
    raise LookupError(event_type)  # every registered type has a constant


def _isort_names(names: set[str]) -> list[str]:
    """ruff's order-by-type: CONSTANTS, then Classes, then the rest."""
    constants = sorted(n for n in names if n.isupper())
    classes = sorted(n for n in names if not n.isupper() and n[0].isupper())
    rest = sorted(n for n in names if n[0].islower())
    return constants + classes + rest


class ScaffoldService:
    def service(self, params: ServiceScaffold) -> Scaffold:
        entity = params.entity or camel(_singular(params.domain))
        fields = [_field_context(f) for f in params.fields]
        column_types = {"Column", "DateTime", "MetaData", "String", "Table"}
        column_types |= {_COLUMNS[f.type].split("(")[0] for f in params.fields}
        description = params.description.strip()
        context = {
            "service": params.name,
            "service_dash": params.name.replace("_", "-"),
            "description": description,
            "description_lower": (description[0].lower() + description[1:]).rstrip(".") + ".",
            "domain": params.domain,
            "entity": entity,
            "entity_snake": snake(entity),
            "entity_words": snake(entity).replace("_", " "),
            "table": params.domain,
            "settings_class": f"{camel(params.name)}Settings",
            "env_prefix": params.name.upper(),
            "singleton": f"{snake(entity)}_service",
            "fields": fields,
            "column_types": [*_isort_names(column_types), "select"],
            "valid_body": {f.name: _sample(f) for f in params.fields},
            "required_fields": [f.name for f in params.fields if f.required],
            "wrong_value": _WRONG[params.fields[0].type],
        }
        files = render_kind("service", context,
                            {"service": params.name, "domain": params.domain})
        steps = [
            f"add `shopmind-{context['service_dash']} = {{ workspace = true }}` to "
            "[tool.uv.sources] in the root pyproject.toml, then `uv lock && uv sync`",
            f"add {params.name!r} to SERVICES in libs/cli/src/shopmind_cli/main.py",
            f"run `pytest services/{params.name}` and `ruff check services/{params.name}`",
        ]
        return Scaffold(kind="service", files=files, next_steps=steps)

    def consumer(self, params: ConsumerScaffold) -> Scaffold:
        consumes_class = EVENT_TYPES[params.consumes][0].__name__
        publishes_class = EVENT_TYPES[params.publishes][0].__name__ if params.publishes else ""
        names = {_constant_of(params.consumes), consumes_class}
        if params.publishes:
            names |= {_constant_of(params.publishes), publishes_class}
        context = {
            "service": params.service,
            "stage": params.stage,
            "stage_class": f"{camel(params.stage)}Stage",
            "consumes": params.consumes,
            "consumes_const": _constant_of(params.consumes),
            "consumes_class": consumes_class,
            "publishes": params.publishes,
            "publishes_const": _constant_of(params.publishes) if params.publishes else "",
            "publishes_class": publishes_class,
            "event_imports": _isort_names(names),
            "batch": params.batch,
            "group": params.group or f"{params.service}-{params.stage}".replace("_", "-"),
            "kafka_test": params.kafka_test,
        }
        files = render_kind("consumer", context,
                            {"service": params.service, "stage": params.stage})
        steps = [
            f"in the lifespan of shopmind_{params.service}.main, call "
            f"`{params.stage}.events.register(runtime)` before `runtime.start_consumers()`",
            f"write the stage's work in `{camel(params.stage)}Stage.transform`",
        ]
        return Scaffold(kind="consumer", files=files, next_steps=steps)

    def recommender(self, params: RecommenderScaffold) -> Scaffold:
        context = {"service": params.service, "module": params.module,
                   "weights": dict(params.weights), "exclude_seen": params.exclude_seen}
        files = render_kind("recommender", context,
                            {"service": params.service, "module": params.module})
        steps = [
            f"add numpy and scipy to the dependencies of services/{params.service}/pyproject.toml",
            "fit `recommender` at start-up (in the lifespan, with rt.load_in_background) from "
            "stored behaviour, and refit on a schedule or from `behavior.event`",
        ]
        return Scaffold(kind="recommender", files=files, next_steps=steps)

    def kinds(self) -> list[ScaffoldKind]:
        described: list[tuple[str, str, type[BaseModel]]] = [
            ("service", "A new service in the suite layout, with its first domain and tests",
             ServiceScaffold),
            ("consumer", "A Kafka consumer stage on the shared consumer runner, with tests",
             ConsumerScaffold),
            ("recommender", "Item-based collaborative filtering recommend_products(user_id, k)",
             RecommenderScaffold),
        ]
        return [ScaffoldKind(kind=k, summary=s, parameters=m.model_json_schema())
                for k, s, m in described]


def files_of(scaffolds: list[Scaffold]) -> list[GeneratedFile]:
    return [f for s in scaffolds for f in s.files]


scaffolds = ScaffoldService()
