"""How nodes and relations leave a store: the same JSON shape from both backends."""

from __future__ import annotations

from typing import Any

# Bookkeeping that is not graph content, and properties too large to return.
HIDDEN_LABELS = frozenset({"Alias", "Tombstone"})
HIDDEN_PROPS = frozenset({"embedding"})


def node_id(label: str, key: str) -> str:
    return f"{label}:{key}"


def public_props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sorted(props.items()) if k not in HIDDEN_PROPS}


def node_out(label: str, props: dict[str, Any]) -> dict[str, Any]:
    key = str(props.get("key"))
    rest = {k: v for k, v in public_props(props).items() if k not in ("key", "name")}
    return {"id": node_id(label, key), "label": label, "key": key,
            "name": props.get("name") or key, "properties": rest}


def edge_out(rel_type: str, source: str, target: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": rel_type, "source": source, "target": target, "properties": public_props(props)}


def intent_row(key: str, name: str, matched: list[dict[str, Any]], n_aspects: int
               ) -> dict[str, Any]:
    """Rank a product for an intent: the Laplace-smoothed share of positive opinions,
    averaged over the requested aspects (an aspect nobody mentioned counts as even)."""
    hit = sum((m["positive"] + 1.0) / (m["support"] + 2.0) for m in matched)
    score = (hit + 0.5 * (n_aspects - len(matched))) / max(n_aspects, 1)
    return {"product_id": key, "name": name, "score": round(score, 6),
            "support": sum(int(m["support"]) for m in matched),
            "aspects": sorted(matched, key=lambda m: m["aspect"])}


def sort_intent_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["score"], -r["support"], r["product_id"]))


def aspect_row(key: str, name: str, h: dict[str, Any]) -> dict[str, Any]:
    support = int(h.get("support", 0))
    return {"aspect": key, "name": name, "positive": int(h.get("positive", 0)),
            "negative": int(h.get("negative", 0)), "neutral": int(h.get("neutral", 0)),
            "support": support, "mentions": int(h.get("mentions", 0)),
            "mean_score": round(float(h.get("mean_score", 0.0)), 6),
            "sentiment": ("positive" if h.get("mean_score", 0.0) > 0.05 else
                          "negative" if h.get("mean_score", 0.0) < -0.05 else "neutral"),
            "confidence": round(float(h.get("confidence", 0.0)), 6),
            "sources": list(h.get("sources", [])), "updated_at": h.get("updated_at")}


def sort_aspects(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["support"], r["aspect"]))
