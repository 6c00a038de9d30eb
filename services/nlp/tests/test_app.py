from __future__ import annotations

import httpx
from shopmind_common.testing import check_platform_endpoints, check_unknown_route


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    answers = await check_platform_endpoints(client, "nlp")
    info = answers["info"]
    models = info["models"]
    assert models["text"]["status"] == "ready"
    assert set(models["text"]["models"]) == {"jieba", "snownlp", "spacy"}
    assert models["text"]["models"]["spacy"]["version"] == "3.8.0"
    assert models["embeddings"]["dimensions"] == 512
    assert models["generation"]["backend"] == "transformers"
    assert models["generation"]["device"] == "cpu" and models["generation"]["path"]


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    await check_unknown_route(client, "/v1/nlp/does-not-exist")
