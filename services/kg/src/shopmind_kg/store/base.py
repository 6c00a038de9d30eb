"""The graph store interface: Neo4j in production, in process for all-in-one runs.

Both implementations take the same facts, plan writes with the same planner
(`store.plan`) and answer the same queries; the contract tests in
`tests/store/test_contract.py` run against both.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from shopmind_common.errors import ServiceError

from shopmind_kg.store.model import (
    AliasFact,
    MergeResult,
    NodeRef,
    TripleFact,
    WriteBatch,
    WriteResult,
)


class BackendUnsupported(ServiceError):
    """The operation needs a backend this deployment does not run.

    A 4xx, not 501: the server is fine, the request asks for something this
    deployment's configuration (no NEO4J_URI) does not offer.
    """

    status_code = 409
    code = "backend_unsupported"


@runtime_checkable
class GraphStore(Protocol):
    backend: str

    async def start(self) -> None:
        """Connect and create constraints and indexes."""

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    async def clear(self) -> None:
        """Remove every node and relation (tests and the bench)."""

    async def apply(self, batch: WriteBatch) -> WriteResult:
        """Write one batch of product and review facts in one transaction."""

    async def import_triples(self, triples: list[TripleFact], source: str, extractor: str,
                             at: str) -> WriteResult: ...

    async def retract_source(self, source: str) -> WriteResult:
        """Remove one source from every relation; relations left without a source go."""

    async def merge_nodes(self, label: str, source: str, target: str, at: str) -> MergeResult: ...

    async def node_names(self, label: str) -> list[tuple[str, str]]: ...

    async def aliases(self, label: str | None = None) -> list[dict[str, Any]]: ...

    async def put_alias(self, alias: AliasFact, at: str) -> None: ...

    async def delete_alias(self, label: str, alias: str) -> bool: ...

    async def get_node(self, ref: NodeRef) -> dict[str, Any] | None: ...

    async def neighbourhood(self, ref: NodeRef, limit: int) -> list[dict[str, Any]]: ...

    async def product_aspects(self, product_id: str) -> list[dict[str, Any]]: ...

    async def products_by_intent(self, categories: list[str], aspects: list[str],
                                 limit: int) -> list[dict[str, Any]]: ...

    async def shortest_path(self, a: NodeRef, b: NodeRef, max_hops: int
                            ) -> dict[str, Any] | None: ...

    async def subgraph(self, ref: NodeRef, depth: int, limit: int) -> dict[str, Any]: ...

    async def stats(self) -> dict[str, Any]: ...

    async def dump(self) -> dict[str, Any]:
        """Every node and relation in a canonical order (contract tests, export)."""

    async def raw_read(self, cypher: str, params: dict[str, Any], timeout_s: float,
                       max_rows: int) -> list[dict[str, Any]]: ...
