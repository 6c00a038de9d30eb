"""Every way in that must be refused, with its status and error code, and the way that works."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from shopmind_common.identity import CALLER_HEADER, SIGNATURE_HEADER, sign_caller, verify_caller

ISSUER = "https://id.shopmind.test"
AUDIENCE = "shopmind-api"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now - 5,
        "exp": now + 300,
        "scope": "nlp:read",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


@pytest.fixture(scope="module")
def signing_keys() -> dict[str, Any]:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
    }


@pytest.fixture
def jwks_file(tmp_path: Path, signing_keys: dict[str, Any]) -> Path:
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_keys["rsa"].public_key()))
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(signing_keys["ec"].public_key()))
    path = tmp_path / "jwks.json"
    path.write_text(
        json.dumps(
            {
                "keys": [
                    {**rsa_jwk, "kid": "rsa-1", "alg": "RS256"},
                    {**ec_jwk, "kid": "ec-1", "alg": "ES256"},
                ]
            }
        )
    )
    return path


@pytest.fixture
def secure(gateway: Any, jwks_file: Path, jwt_secret: str) -> Any:
    return lambda **kw: gateway(
        GATEWAY_AUTH="on",
        GATEWAY_JWT_SECRET=jwt_secret,
        GATEWAY_JWT_JWKS_FILE=str(jwks_file),
        GATEWAY_JWT_ISSUER=ISSUER,
        GATEWAY_JWT_AUDIENCE=AUDIENCE,
        **kw,
    )


def _assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    error: dict[str, Any] = resp.json()["error"]
    assert error["code"] == code, error
    assert error["request_id"] == resp.headers["x-request-id"]
    return error


async def test_no_credential_is_401_missing_credentials(secure: Any) -> None:
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x")
        _assert_error(resp, 401, "missing_credentials")
        assert resp.headers["www-authenticate"].startswith("Bearer")
        assert h.state.calls == {}


async def test_unknown_and_malformed_keys_are_401_invalid_api_key(secure: Any) -> None:
    async with secure() as h:
        real = await h.key("nlp:read")
        key_id = real.split("_")[1]
        for bad in (
            f"smk_{key_id}_not-the-secret",
            "smk_0123456789abcdef_whatever",
            "smk_",
            "not-a-key",
        ):
            resp = await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": bad})
            _assert_error(resp, 401, "invalid_api_key")
        assert h.state.calls == {}


async def test_revoked_key_is_401_revoked_api_key(secure: Any) -> None:
    async with secure() as h:
        admin = await h.key("admin")
        key = await h.key("nlp:read")
        ok = await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})
        assert ok.status_code == 200
        key_id = key.split("_")[1]
        revoked = await h.client.delete(f"/v1/gateway/keys/{key_id}", headers={"X-API-Key": admin})
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_at"] is not None
        resp = await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})
        error = _assert_error(resp, 401, "revoked_api_key")
        assert error["details"] == {"key_id": key_id}


async def test_api_key_as_bearer_token_works(secure: Any) -> None:
    async with secure() as h:
        key = await h.key("nlp:read")
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {key}"})
        assert resp.status_code == 200, resp.text


async def test_expired_jwt_is_401_token_expired(secure: Any, jwt_secret: str) -> None:
    token = jwt.encode(_claims(exp=int(time.time()) - 3600), jwt_secret, algorithm="HS256")
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"})
        _assert_error(resp, 401, "token_expired")
        assert 'error="invalid_token"' in resp.headers["www-authenticate"]


async def test_alg_none_is_401_invalid_token(secure: Any) -> None:
    token = _unsigned({"alg": "none", "typ": "JWT"}, _claims()) + "."
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"})
        error = _assert_error(resp, 401, "invalid_token")
        assert error["details"]["reason"] == "algorithm"


async def test_wrong_signature_is_401_invalid_token(secure: Any) -> None:
    token = jwt.encode(_claims(), "another-secret-of-the-same-length-0123456789", algorithm="HS256")
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"})
        error = _assert_error(resp, 401, "invalid_token")
        assert error["details"]["reason"] == "signature"


async def test_tampered_claims_fail_the_signature(secure: Any, jwt_secret: str) -> None:
    header, _, sig = jwt.encode(_claims(), jwt_secret, algorithm="HS256").split(".")
    forged = f"{header}.{_b64(json.dumps(_claims(scope='admin')).encode())}.{sig}"
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {forged}"})
        assert _assert_error(resp, 401, "invalid_token")["details"]["reason"] == "signature"


async def test_wrong_audience_and_issuer_are_401_invalid_token(
    secure: Any, jwt_secret: str
) -> None:
    async with secure() as h:
        for claims, reason in (
            (_claims(aud="someone-else"), "audience"),
            (_claims(iss="https://evil.test"), "issuer"),
            (_claims(aud=None), "missing_claim"),
            (_claims(nbf=int(time.time()) + 3600), "not_yet_valid"),
        ):
            token = jwt.encode(claims, jwt_secret, algorithm="HS256")
            resp = await h.client.get(
                "/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"}
            )
            assert _assert_error(resp, 401, "invalid_token")["details"]["reason"] == reason


async def test_algorithm_confusion_is_refused(
    secure: Any, gateway: Any, jwks_file: Path, signing_keys: dict[str, Any]
) -> None:
    """HS256 signed with the RSA public key (the classic confusion attack) never verifies."""
    pem = (
        signing_keys["rsa"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, _claims())
    sig = _b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    token = f"{signing_input}.{sig}"
    async with secure() as h:  # HS256 allowed, but only with the configured secret
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"})
        assert _assert_error(resp, 401, "invalid_token")["details"]["reason"] == "signature"
    async with gateway(
        GATEWAY_AUTH="on", GATEWAY_JWT_JWKS_FILE=str(jwks_file), GATEWAY_JWT_AUDIENCE=AUDIENCE
    ) as h:  # no secret: HS256 not accepted
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"})
        assert _assert_error(resp, 401, "invalid_token")["details"]["reason"] == "algorithm"
    # An RS256 header whose kid names the EC key does not get that key.
    ec_token = jwt.encode(
        _claims(), signing_keys["ec"], algorithm="ES256", headers={"kid": "rsa-1"}
    )
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": f"Bearer {ec_token}"})
        assert _assert_error(resp, 401, "invalid_token")["details"]["reason"] == "unknown_key"


async def test_rs256_and_es256_from_jwks_are_accepted(
    secure: Any, signing_keys: dict[str, Any]
) -> None:
    rs = jwt.encode(
        _claims(sub="svc-rsa"), signing_keys["rsa"], algorithm="RS256", headers={"kid": "rsa-1"}
    )
    es = jwt.encode(
        _claims(sub="svc-ec", scp=["nlp:read"], scope=None),
        signing_keys["ec"],
        algorithm="ES256",
        headers={"kid": "ec-1"},
    )
    async with secure() as h:
        for token, subject in ((rs, "svc-rsa"), (es, "svc-ec")):
            resp = await h.client.get(
                "/v1/nlp/echo/x", headers={"Authorization": f"Bearer {token}"}
            )
            assert resp.status_code == 200, resp.text
            sent = resp.json()["headers"]
            caller = verify_caller(
                sent[CALLER_HEADER], sent[SIGNATURE_HEADER], "test-internal-secret-0123456789abcdef"
            )
            assert caller is not None and caller.subject == subject and caller.kind == "jwt"


async def test_missing_scope_is_403_insufficient_scope(secure: Any) -> None:
    async with secure() as h:
        reader = await h.key("nlp:read")
        resp = await h.client.post("/v1/nlp/echo/x", headers={"X-API-Key": reader}, json={})
        error = _assert_error(resp, 403, "insufficient_scope")
        assert error["details"]["required_scope"] == "nlp:write"
        other = await h.key("projects:read")
        _assert_error(
            await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": other}),
            403,
            "insufficient_scope",
        )
        assert h.state.calls == {}


async def test_raw_queries_and_key_management_need_admin(
    gateway: Any, upstream: Any, echo_state: Any
) -> None:
    async with gateway(targets={"kg": upstream(echo_state, "kg")}, GATEWAY_AUTH="on") as h:
        writer = await h.key("kg:read,kg:write")
        admin = await h.key("admin")
        resp = await h.client.post("/v1/kg/echo/x", headers={"X-API-Key": writer}, json={})
        assert resp.status_code == 200  # ordinary kg routes take kg:write
        for method, path in (
            ("POST", "/v1/kg/cypher"),
            ("GET", "/v1/kg/admin/stats"),
            ("GET", "/v1/gateway/keys"),
            ("POST", "/v1/gateway/keys"),
        ):
            resp = await h.client.request(method, path, headers={"X-API-Key": writer}, json={})
            assert (
                _assert_error(resp, 403, "insufficient_scope")["details"]["required_scope"]
                == "admin"
            )
        listed = await h.client.get("/v1/gateway/keys", headers={"X-API-Key": admin})
        assert listed.status_code == 200 and len(listed.json()) == 2
        resp = await h.client.post("/v1/kg/cypher", headers={"X-API-Key": admin}, json={})
        assert resp.status_code == 404  # through the gateway; the echo app has no such route


async def test_forged_identity_header_is_403_and_never_reaches_a_service(
    secure: Any, internal_secret: str
) -> None:
    from shopmind_common.identity import Caller

    forged = sign_caller(Caller("root", frozenset({"admin"}), "api_key"), "guessed-secret")
    async with secure() as h:
        key = await h.key("nlp:read")
        for headers in (
            forged,
            {**forged, "X-API-Key": key},
            {CALLER_HEADER: "x"},
            {SIGNATURE_HEADER: "y", "X-API-Key": key},
        ):
            resp = await h.client.get("/v1/nlp/echo/x", headers=headers)
            _assert_error(resp, 403, "forged_identity")
        assert h.state.calls == {}


async def test_authenticated_caller_reaches_the_service_signed(
    secure: Any, internal_secret: str
) -> None:
    async with secure() as h:
        key = await h.key("nlp:read,nlp:write")
        resp = await h.client.post(
            "/v1/nlp/echo/x?q=1", headers={"X-API-Key": key}, content=b"payload"
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        sent = body["headers"]
        caller = verify_caller(sent[CALLER_HEADER], sent[SIGNATURE_HEADER], internal_secret)
        assert caller is not None
        assert caller.subject == f"key:{key.split('_')[1]}"
        assert caller.scopes == frozenset({"nlp:read", "nlp:write"})
        assert caller.kind == "api_key"
        # Credentials stay at the gateway.
        assert "x-api-key" not in sent and "authorization" not in sent
        assert body["body"] == "payload" and body["query"] == "q=1"


async def test_auth_off_forwards_the_development_caller(gateway: Any, internal_secret: str) -> None:
    async with gateway(GATEWAY_AUTH="off") as h:
        resp = await h.client.get("/v1/nlp/echo/x")
        assert resp.status_code == 200
        sent = resp.json()["headers"]
        caller = verify_caller(sent[CALLER_HEADER], sent[SIGNATURE_HEADER], internal_secret)
        assert caller is not None and caller.subject == "dev" and caller.has("admin")
        # Forged identities are refused even with authentication off.
        resp = await h.client.get("/v1/nlp/echo/x", headers={CALLER_HEADER: "x"})
        _assert_error(resp, 403, "forged_identity")


async def test_non_bearer_authorization_is_401(secure: Any) -> None:
    async with secure() as h:
        resp = await h.client.get("/v1/nlp/echo/x", headers={"Authorization": "Basic dTpw"})
        assert _assert_error(resp, 401, "invalid_token")["details"]["reason"] == "scheme"
