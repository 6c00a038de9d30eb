from __future__ import annotations

import pytest
from pydantic import ValidationError
from shopmind_common.settings import ServiceSettings


def test_placeholder_secret_is_refused_in_production_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="SHOPMIND_INTERNAL_SECRET"):
        ServiceSettings(SHOPMIND_ENV="production")


def test_real_secret_is_accepted_in_production() -> None:
    settings = ServiceSettings(
        SHOPMIND_ENV="production", SHOPMIND_INTERNAL_SECRET="s3cr3t-value", NEO4J_PASSWORD="pw"
    )
    assert settings.internal_secret == "s3cr3t-value"


def test_backends_default_to_embedded(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("KAFKA_BOOTSTRAP", "NEO4J_URI", "DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    settings = ServiceSettings(SHOPMIND_DATA_DIR=str(tmp_path))
    assert settings.kafka_bootstrap is None
    assert settings.sqlalchemy_url("x.db") == f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    pg = ServiceSettings(DATABASE_URL="postgresql://u:p@127.0.0.1:5432/db")
    assert pg.sqlalchemy_url("x.db") == "postgresql+psycopg://u:p@127.0.0.1:5432/db"


def test_env_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "127.0.0.1:1")
    monkeypatch.setenv("SHOPMIND_SERVICE_URLS", '{"nlp": "http://nlp:8000"}')
    settings = ServiceSettings()
    assert settings.kafka_bootstrap == "127.0.0.1:1"
    assert settings.service_urls == {"nlp": "http://nlp:8000"}
