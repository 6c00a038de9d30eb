from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from shopmind_common.http import register_local_app
from shopmind_kg.query.schemas import ProductAspectsOut


def _kg_with_aspects(per_product: dict[str, list[tuple[str, int, int]]]) -> FastAPI:
    """An upstream answering kg's real per-product aspects schema (validated by it)."""
    app = FastAPI()

    @app.get("/v1/kg/products/{product_id}/aspects", response_model=ProductAspectsOut)
    async def aspects(product_id: str) -> Any:
        rows = per_product.get(product_id)
        if rows is None:
            from fastapi.responses import JSONResponse
            return JSONResponse({"error": {"code": "not_found"}}, status_code=404)
        return ProductAspectsOut(product_id=product_id, aspects=[
            {"aspect": f"aspect:{name}", "name": name, "positive": support - neg,
             "negative": neg, "neutral": 0, "support": support, "mentions": support,
             "mean_score": 0.0, "sentiment": "negative", "confidence": 0.9,
             "sources": [], "updated_at": None} for name, neg, support in rows])

    return app


async def test_prd_pain_points_from_kg_product_aspects(stack: Any, seeded: Any) -> None:
    register_local_app("kg", _kg_with_aspects({
        "p1": [("物流", 30, 50), ("质量", 2, 40)],
        "p2": [("物流", 11, 20), ("包装", 9, 12), ("性价比", 0, 30)],
    }))
    try:
        job = await stack.job({"type": "prd", "project_id": seeded.project_id,
                               "language": "zh", "product_line": "手机",
                               "product_ids": ["p1", "p2", "p3"]})
    finally:
        register_local_app("kg", None)  # type: ignore[arg-type]
    assert job["status"] == "succeeded", job
    version = await stack.version(job["document_id"])
    insights = version["source"]["insights"]
    assert insights["source"] == "kg" and "p3" in insights["note"]
    md = version["markdown"]
    pain = md.split("## 用户痛点", 1)[1].split("##", 1)[0]
    lines = [line for line in pain.splitlines() if line.startswith("- ")]
    # Most negative first, aggregated across products; aspects nobody disliked are left out.
    assert lines == ["- 物流：70 次提及中 41 次为负面", "- 包装：12 次提及中 9 次为负面",
                     "- 质量：40 次提及中 2 次为负面"]
