"""Importing external knowledge: encyclopedia dumps, brand registries, taxonomies.

Statements are grouped per subject. A type statement picks the node label
(Brand, Category, Product, Aspect, else Entity); a label or name gives the
display name, and further names become aliases; subclass/broader statements
become SUBCATEGORY_OF; every other statement between two resources becomes
RELATED with the predicate as its type. Names go through the same resolution
as ingestion, so "Apple Inc." in a registry lands on the Brand "apple" that
products already point at. Every relation and node keeps `import:<source>` in
its sources, and `DELETE /v1/kg/sources/{source}` takes exactly that back out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Literal

from shopmind_common.errors import BadRequest, NotFound, PayloadTooLarge
from shopmind_common.events import EventBus

from shopmind_kg.fusion.parse import Statement, TripleSyntaxError, parse_csv, parse_ntriples
from shopmind_kg.fusion.schemas import ImportOut, RetractOut
from shopmind_kg.ingest.events import graph_updated
from shopmind_kg.ingest.service import iso
from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.store.base import GraphStore
from shopmind_kg.store.model import AliasFact, NodeRef, TripleFact, import_source
from shopmind_kg.text.normalize import normalize_key

Format = Literal["ntriples", "csv"]

_TYPE = {"type", "isa", "instanceof"}
_NAME = {"label", "preflabel", "name"}
_ALIAS = {"altlabel", "alternatename", "alias", "sameas", "hiddenlabel", "aka"}
_TAXONOMY = {"subclassof", "broader", "parent", "subcategoryof"}
_BRAND_OBJECT = {"brand", "manufacturer", "madeby"}
_LABEL_OF_TYPE = {
    **dict.fromkeys(("brand", "organization", "organisation", "manufacturer", "company",
                     "corporation"), "Brand"),
    **dict.fromkeys(("category", "productcategory", "class", "concept", "producttype",
                     "taxon"), "Category"),
    **dict.fromkeys(("product", "productmodel", "individualproduct"), "Product"),
    **dict.fromkeys(("aspect", "feature", "productfeature"), "Aspect"),
}
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _pred(statement: Statement) -> str:
    local = statement.predicate.local if not statement.predicate.literal \
        else statement.predicate.value
    return re.sub(r"[^a-z0-9]", "", local.lower())


def _rel_type(statement: Statement) -> str:
    local = statement.predicate.local if not statement.predicate.literal \
        else statement.predicate.value
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local)
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")[:64] or "related"


def check_source(name: str) -> str:
    if not _SOURCE_NAME.match(name):
        raise BadRequest("source must be 1-100 letters, digits, '.', '_' or '-'",
                         details=[{"field": "query.source", "value": name[:100]}])
    return name


class FusionService:
    def __init__(self, store: GraphStore, resolver: Resolver, bus: EventBus | None,
                 max_triples: int) -> None:
        self.store = store
        self.resolver = resolver
        self.bus = bus
        self.max_triples = max_triples

    def parse(self, text: str, fmt: Format) -> list[Statement]:
        try:
            statements = parse_ntriples(text) if fmt == "ntriples" else parse_csv(text)
        except TripleSyntaxError as exc:
            raise BadRequest(str(exc), details=[{"field": "body", "line": exc.line}]) from exc
        if len(statements) > self.max_triples:
            raise PayloadTooLarge(
                f"{len(statements)} statements; at most {self.max_triples} per import "
                "(KG_IMPORT_MAX_TRIPLES)", details={"limit": self.max_triples})
        return statements

    async def import_text(self, text: str, fmt: Format, source: str,
                          confidence: float = 1.0) -> ImportOut:
        source = check_source(source)
        statements = self.parse(text, fmt)
        labels: dict[str, str] = {}
        names: dict[str, list[str]] = defaultdict(list)
        alias_names: dict[str, list[str]] = defaultdict(list)
        relations: list[Statement] = []
        skipped = 0
        for st in statements:
            subj = st.subject.value
            pred = _pred(st)
            if st.subject_type:
                labels[subj] = _LABEL_OF_TYPE.get(st.subject_type.lower(), "Entity")
            if st.object_type and not (st.object.literal and pred in _NAME | _ALIAS):
                labels.setdefault(st.object.value,
                                  _LABEL_OF_TYPE.get(st.object_type.lower(), "Entity"))
            if pred in _TYPE:
                labels[subj] = _LABEL_OF_TYPE.get(
                    re.sub(r"[^a-z0-9]", "", st.object.local.lower()), "Entity")
            elif pred in _NAME and (st.object.literal or fmt == "csv"):
                names[subj].append(st.object.value)
            elif pred in _ALIAS and (st.object.literal or fmt == "csv"):
                alias_names[subj].append(st.object.local)
            elif st.object.literal and fmt == "ntriples":
                skipped += 1
            else:
                relations.append(st)
        for st in relations:   # what a statement implies about the label of its ends
            pred = _pred(st)
            if pred in _TAXONOMY:
                labels.setdefault(st.subject.value, "Category")
                labels.setdefault(st.object.value, "Category")
            elif pred in _BRAND_OBJECT:
                labels.setdefault(st.object.value, "Brand")
        terms = {st.subject.value: st.subject for st in statements}
        terms.update({st.object.value: st.object for st in relations})

        # Resolve every resource to a node key with the ingestion rules.
        refs: dict[str, tuple[NodeRef, str]] = {}
        linked = 0
        by_label: dict[str, list[str]] = defaultdict(list)
        for value in terms:
            by_label[labels.get(value, "Entity")].append(value)
        for label, values in by_label.items():
            display = [(names[v][0] if names[v] else terms[v].local) for v in values]
            if label == "Product":
                for v, d in zip(values, display, strict=True):
                    key = terms[v].local.replace(" ", "_") if not terms[v].literal else v
                    refs[v] = (NodeRef("Product", key), d)
                continue
            resolved = self.resolver.resolve_many(label, display)
            for v, d, res in zip(values, display, resolved, strict=True):
                if res is None:
                    continue
                if res.how != "new":
                    linked += 1
                refs[v] = (NodeRef(label, res.key), res.name or d)

        triples: list[TripleFact] = []
        for st in relations:
            s, o = refs.get(st.subject.value), refs.get(st.object.value)
            if s is None or o is None or s[0] == o[0]:
                skipped += 1
                continue
            pred = _pred(st)
            taxonomy = pred in _TAXONOMY and s[0].label == o[0].label == "Category"
            triples.append(TripleFact(
                s[0], s[1], "SUBCATEGORY_OF" if taxonomy else _rel_type(st), o[0], o[1],
                st.confidence if st.confidence is not None else confidence))
        aliases: list[AliasFact] = []
        for value, extra in alias_names.items():
            ref = refs.get(value)
            if ref is None or ref[0].label == "Product":
                continue
            for name in [*extra, *names[value][1:]]:
                key = normalize_key(ref[0].label, name)
                if key and key != ref[0].key:
                    aliases.append(AliasFact(ref[0].label, key, ref[0].key,
                                             import_source(source)))
        for value, more in names.items():   # other-language names of the same node
            ref = refs.get(value)
            if ref is None or value in alias_names or ref[0].label == "Product":
                continue
            for name in more[1:]:
                key = normalize_key(ref[0].label, name)
                if key and key != ref[0].key:
                    aliases.append(AliasFact(ref[0].label, key, ref[0].key,
                                             import_source(source)))
        at = iso(datetime.now(UTC))
        result = await self.store.import_triples(triples, import_source(source),
                                                 f"import:{fmt}", at)
        for alias in aliases:
            await self.store.put_alias(alias, at)
            self.resolver.add_alias(alias.label, alias.alias, alias.canonical)
        if self.bus is not None and (triples or aliases):
            await self.bus.publish(graph_updated(result))
        return ImportOut(source=import_source(source), statements=len(statements),
                         relations_written=result.relations_written,
                         aliases_written=len(aliases), nodes=len(result.node_ids),
                         linked=linked, skipped=skipped)

    async def retract(self, source: str) -> RetractOut:
        name = import_source(check_source(source))
        result = await self.store.retract_source(name)
        if not result.node_ids:
            raise NotFound(f"nothing in the graph comes from {name}", details={"source": name})
        if self.bus is not None:
            await self.bus.publish(graph_updated(result))
        return RetractOut(source=name, relations_removed=result.relations_removed,
                          nodes_touched=len(result.node_ids))
