"""The key management API through the gateway (admin scope)."""

from __future__ import annotations

from typing import Any


async def test_create_list_revoke_over_http(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="on") as h:
        admin = {"X-API-Key": await h.key("admin")}
        created = await h.client.post(
            "/v1/gateway/keys", headers=admin, json={"name": "app", "scopes": ["nlp:read"]}
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["key"].startswith("smk_") and body["scopes"] == ["nlp:read"]
        # The new key works, and listing never shows a secret.
        ok = await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": body["key"]})
        assert ok.status_code == 200
        listed = (await h.client.get("/v1/gateway/keys", headers=admin)).json()
        assert {k["name"] for k in listed} == {"test", "app"}
        assert all("key" not in k for k in listed)
        gone = await h.client.delete(f"/v1/gateway/keys/{body['id']}", headers=admin)
        assert gone.status_code == 200
        again = await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": body["key"]})
        assert again.json()["error"]["code"] == "revoked_api_key"


async def test_bad_input_names_the_field(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="on") as h:
        admin = {"X-API-Key": await h.key("admin")}
        resp = await h.client.post(
            "/v1/gateway/keys", headers=admin, json={"name": "x", "scopes": ["nlp:everything"]}
        )
        assert resp.status_code == 422
        assert resp.json()["error"]["details"][0]["field"] == "body.scopes"
        resp = await h.client.delete("/v1/gateway/keys/ffffffffffffffff", headers=admin)
        assert resp.status_code == 404
        resp = await h.client.delete("/v1/gateway/keys/NOT-HEX", headers=admin)
        assert resp.status_code == 422
