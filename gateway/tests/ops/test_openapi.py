# No `from __future__ import annotations`: the models below are local to a function,
# and FastAPI resolves string annotations from module globals.
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel


def _service(name: str) -> FastAPI:
    app = FastAPI(title=name, description=f"The {name} service.")

    class Review(BaseModel):  # the same schema name in both services
        text: str
        service: str = name

    @app.post(f"/v1/{name}/reviews")
    async def create(review: Review) -> Review:
        return review

    @app.get(f"/v1/{name}/reviews/{{review_id}}")
    async def get(review_id: int) -> Review:
        return Review(text=str(review_id))

    @app.get("/internal")  # not under the prefix: not reachable through the gateway
    async def internal() -> dict[str, str]:
        return {}

    return app


async def test_merged_spec_has_every_service_under_its_prefix(gateway: Any) -> None:
    targets = {"nlp": _service("nlp"), "kg": _service("kg")}
    async with gateway(targets=targets, GATEWAY_AUTH="on") as h:
        resp = await h.client.get("/openapi.json")  # public, like /docs
        assert resp.status_code == 200
        spec = resp.json()
        paths = spec["paths"]
        assert {
            "/v1/nlp/reviews",
            "/v1/nlp/reviews/{review_id}",
            "/v1/kg/reviews",
            "/v1/gateway/keys",
            "/v1/gateway/keys/{key_id}",
        } <= set(paths)
        assert "/internal" not in paths and "/openapi.json" not in paths
        schemas = spec["components"]["schemas"]
        assert {"nlp__Review", "kg__Review", "GatewayError"} <= set(schemas)
        post = paths["/v1/kg/reviews"]["post"]
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/kg__Review"
        assert post["x-required-scope"] == "kg:write" and post["tags"] == ["kg"]
        assert paths["/v1/nlp/reviews/{review_id}"]["get"]["x-required-scope"] == "nlp:read"
        assert post["security"] == [{"ApiKeyAuth": []}, {"BearerAuth": []}]
        assert set(post["responses"]) >= {"200", "401", "403", "429", "503"}
        assert spec["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "X-API-Key"
        assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
        ids = [
            op["operationId"]
            for item in paths.values()
            for op in item.values()
            if isinstance(op, dict) and "operationId" in op
        ]
        assert len(ids) == len(set(ids))
        docs = await h.client.get("/docs")
        assert docs.status_code == 200 and "/openapi.json" in docs.text


async def test_a_down_service_is_listed_not_fatal(gateway: Any) -> None:
    async with gateway(
        targets={"nlp": _service("nlp"), "kg": "http://127.0.0.1:1"}, GATEWAY_AUTH="off"
    ) as h:
        spec = (await h.client.get("/openapi.json")).json()
        assert spec["info"]["x-unavailable-services"] == ["kg"]
        assert "/v1/nlp/reviews" in spec["paths"]
        assert spec["security"] == []
