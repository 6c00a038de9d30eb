"""What kg consumes and publishes."""

from __future__ import annotations

from shopmind.events import GRAPH_UPDATED, PRODUCT_UPSERTED, REVIEW_ENRICHED, GraphUpdated
from shopmind_common.events import Event, new_event

from shopmind_kg.store.model import WriteResult

CONSUMED = (PRODUCT_UPSERTED, REVIEW_ENRICHED)
PRODUCER = "kg"


def graph_updated(result: WriteResult) -> Event:
    """kg.graph.updated for one committed batch, keyed by its first product id."""
    payload = GraphUpdated(
        product_ids=result.product_ids, node_ids=result.node_ids,
        source_event_ids=result.source_event_ids,
        relations_written=result.relations_written,
        relations_removed=result.relations_removed,
    )
    key = result.product_ids[0] if result.product_ids else (result.node_ids or [""])[0]
    return new_event(GRAPH_UPDATED, payload, key=key, producer=PRODUCER)
