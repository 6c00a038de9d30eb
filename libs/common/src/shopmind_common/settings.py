"""Typed settings shared by every service (pydantic-settings, read once)."""

from __future__ import annotations

from functools import cache
from typing import Literal, TypeVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """Settings every service has. Backends are chosen by what is set.

    An unset `KAFKA_BOOTSTRAP` means the in-process event bus, an unset
    `NEO4J_URI` the embedded graph store and an unset `DATABASE_URL` SQLite.
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str = "shopmind"
    environment: Environment = Field(default="development", alias="SHOPMIND_ENV")
    host: str = Field(default="127.0.0.1", alias="SHOPMIND_HOST")
    port: int = Field(default=8000, alias="SHOPMIND_PORT", ge=1, le=65535)
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_json: bool = Field(default=True, alias="LOG_JSON")

    kafka_bootstrap: str | None = Field(default=None, alias="KAFKA_BOOTSTRAP")
    kafka_topic_prefix: str = Field(default="", alias="KAFKA_TOPIC_PREFIX")
    kafka_client_id: str = Field(default="shopmind", alias="KAFKA_CLIENT_ID")
    neo4j_uri: str | None = Field(default=None, alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", alias="NEO4J_USER")
    neo4j_password: str = Field(default="", alias="NEO4J_PASSWORD")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: str = Field(default="~/.local/share/shopmind", alias="SHOPMIND_DATA_DIR")

    # Signs the caller identity the gateway forwards; services trust nothing else.
    internal_secret: str = Field(default=PLACEHOLDER_SECRET, alias="SHOPMIND_INTERNAL_SECRET")

    # name -> base URL of services reached over the network, e.g. {"nlp": "http://nlp:8000"};
    # a service missing here is called in process (all-in-one).
    service_urls: dict[str, str] = Field(default_factory=dict, alias="SHOPMIND_SERVICE_URLS")

    consumer_max_attempts: int = Field(default=3, alias="CONSUMER_MAX_ATTEMPTS", ge=1)
    consumer_backoff_initial_s: float = Field(
        default=0.05, alias="CONSUMER_BACKOFF_INITIAL_S", gt=0
    )
    consumer_backoff_max_s: float = Field(default=2.0, alias="CONSUMER_BACKOFF_MAX_S", gt=0)
    consumers_enabled: bool = Field(default=True, alias="CONSUMERS_ENABLED")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.environment != "production":
            return self
        bad = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if (name.endswith("_secret") and value in (PLACEHOLDER_SECRET, "")) or (
                name.endswith("_password") and value == PLACEHOLDER_SECRET
            ):
                bad.append(field.alias or name.upper())
        if bad:
            raise ValueError(f"{', '.join(bad)} must be set to a real secret outside development")
        return self

    def sqlalchemy_url(self, default_sqlite_name: str) -> str:
        """The async SQLAlchemy URL: DATABASE_URL, or SQLite in the data dir."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        from pathlib import Path

        data_dir = Path(self.data_dir).expanduser()
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{data_dir / default_sqlite_name}"


S = TypeVar("S", bound=ServiceSettings)


@cache
def get_settings(cls: type[S]) -> S:
    """Build a settings class once per process."""
    return cls()
