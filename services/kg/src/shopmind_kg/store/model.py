"""The graph model both stores hold, and the facts ingestion hands them.

Nodes (every node has a unique `key` per label and a display `name`):
Product, Brand, Category, Attribute, Aspect, Entity, Review; plus bookkeeping
nodes Alias and Tombstone that queries never return as graph content.

Relations, each with provenance (`sources`, `source_event_id`, `extractor`,
`confidence`, `updated_at`):
    (Product)-[:BRAND]->(Brand)              from the product event
    (Product)-[:IN_CATEGORY]->(Category)     from the product event
    (Product)-[:HAS_ATTRIBUTE]->(Attribute)  from the product event
    (Product)-[:MENTIONS]->(Entity)          from the product text
    (Product)-[:SIMILAR_TO {score}]->(Product)   title embeddings, same category
    (Category)-[:SUBCATEGORY_OF]->(Category) category paths and imported taxonomies
    (Review)-[:REVIEWS]->(Product)
    (Review)-[:OPINION {polarity, score, mentions}]->(Aspect)  one review's contribution
    (Review)-[:MENTIONS]->(Entity)
    (Product)-[:HAS_ASPECT {positive, negative, neutral, mentions, score_sum, support,
                            mean_score}]->(Aspect)   derived from the OPINION edges
    (any)-[:RELATED {type}]->(any)           imported knowledge
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Labels whose nodes are graph content, in the order stats report them.
LABELS = ("Product", "Brand", "Category", "Attribute", "Aspect", "Entity", "Review")
# Labels resolution works on (names that several sources spell differently).
RESOLVABLE = ("Brand", "Category", "Aspect", "Entity", "Attribute")
REL_TYPES = (
    "BRAND", "IN_CATEGORY", "HAS_ATTRIBUTE", "MENTIONS", "SIMILAR_TO", "SUBCATEGORY_OF",
    "REVIEWS", "OPINION", "HAS_ASPECT", "RELATED",
)
# Relations a product upsert owns outright: re-upserting replaces them.
PRODUCT_OWNED = ("BRAND", "IN_CATEGORY", "HAS_ATTRIBUTE", "MENTIONS")
PRODUCT_REL_TARGET = {
    "BRAND": "Brand", "IN_CATEGORY": "Category", "HAS_ATTRIBUTE": "Attribute", "MENTIONS": "Entity",
}
POLARITIES = ("positive", "negative", "neutral")


def product_source(product_id: str) -> str:
    return f"product:{product_id}"


def review_source(review_id: str) -> str:
    return f"review:{review_id}"


def import_source(name: str) -> str:
    return f"import:{name}"


@dataclass(frozen=True)
class NodeRef:
    label: str
    key: str

    @property
    def id(self) -> str:
        return f"{self.label}:{self.key}"


@dataclass(frozen=True)
class RelFact:
    """A relation from a product to a resolved node, as extraction found it."""

    type: str                 # one of PRODUCT_OWNED
    key: str                  # the target's resolved key
    name: str                 # the target's display name
    extractor: str
    confidence: float
    node_props: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductFacts:
    product_id: str
    event_id: str
    occurred_at: str          # ISO-8601 UTC; orders events and stamps updated_at
    deleted: bool = False
    props: dict[str, Any] = field(default_factory=dict)   # title, price, ...
    rels: tuple[RelFact, ...] = ()
    # (child key, child name, parent key, parent name)
    taxonomy: tuple[tuple[str, str, str, str], ...] = ()
    embedding: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Opinion:
    aspect_key: str
    aspect_name: str
    polarity: str             # positive | negative | neutral
    score: float
    mentions: int
    opinion: str = ""


@dataclass(frozen=True)
class Mention:
    key: str
    name: str
    label: str                # nlp's entity label (brand, org, ...)


@dataclass(frozen=True)
class ReviewFacts:
    review_id: str
    product_id: str
    event_id: str
    occurred_at: str
    retracted: bool = False
    props: dict[str, Any] = field(default_factory=dict)
    opinions: tuple[Opinion, ...] = ()
    mentions: tuple[Mention, ...] = ()
    extractor: str = "nlp"


@dataclass(frozen=True)
class AliasFact:
    label: str
    alias: str                # normalised key that should resolve to `canonical`
    canonical: str
    origin: str               # user | merge | embedding | import
    score: float | None = None


@dataclass
class WriteBatch:
    """Everything one consumer batch writes, in one transaction."""

    products: list[ProductFacts] = field(default_factory=list)
    reviews: list[ReviewFacts] = field(default_factory=list)
    aliases: list[AliasFact] = field(default_factory=list)
    similar_top_k: int = 5
    similar_min_score: float = 0.8


@dataclass
class WriteResult:
    product_ids: list[str] = field(default_factory=list)
    node_ids: list[str] = field(default_factory=list)
    source_event_ids: list[str] = field(default_factory=list)
    relations_written: int = 0
    relations_removed: int = 0
    skipped_stale: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.product_ids or self.node_ids or self.relations_written
                    or self.relations_removed)


@dataclass(frozen=True)
class TripleFact:
    """An imported statement between two resolved nodes, or a node's name."""

    subject: NodeRef
    subject_name: str
    predicate: str            # RELATED's type, or SUBCATEGORY_OF
    object: NodeRef
    object_name: str
    confidence: float = 1.0


@dataclass
class MergeResult:
    label: str
    source: str
    target: str
    relations_moved: int = 0
    relations_combined: int = 0
    aliases_repointed: int = 0
