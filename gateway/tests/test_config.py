from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from shopmind_gateway.config import GatewaySettings


def _settings(**values: Any) -> GatewaySettings:
    base: dict[str, Any] = {"SHOPMIND_INTERNAL_SECRET": "a-real-secret-for-production-use"}
    return GatewaySettings(**{**base, **values})


def test_auth_defaults_off_only_in_development() -> None:
    assert _settings(SHOPMIND_ENV="development").auth_enabled is False
    assert _settings(SHOPMIND_ENV="test").auth_enabled is True
    assert _settings(SHOPMIND_ENV="production").auth_enabled is True
    assert _settings(SHOPMIND_ENV="development", GATEWAY_AUTH="on").auth_enabled is True


def test_production_refuses_auth_off() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_AUTH=off"):
        _settings(SHOPMIND_ENV="production", GATEWAY_AUTH="off")


def test_jwt_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_JWT_ALGORITHMS"):
        _settings(GATEWAY_JWT_ALGORITHMS=["none"])
    with pytest.raises(ValidationError, match="GATEWAY_JWT_SECRET"):
        _settings(GATEWAY_JWT_SECRET="short")


def test_route_rules_from_json_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "GATEWAY_ROUTES", '[{"prefix": "/v1/docgen/jobs", "methods": ["post"], "timeout_s": 300}]'
    )
    settings = GatewaySettings()
    assert settings.routes[0].methods == frozenset({"POST"})
    monkeypatch.setenv("GATEWAY_ROUTES", '[{"prefix": "/nope"}]')
    with pytest.raises(ValidationError, match="prefix"):
        GatewaySettings()
