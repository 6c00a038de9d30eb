"""Settings of the gateway: upstreams, route rules, authentication, limits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from shopmind_common.settings import ServiceSettings

SERVICES = ("projects", "docgen", "kg", "nlp", "decision", "devassist")

# Algorithms a token may be signed with; `none` is never among them.
SUPPORTED_JWT_ALGORITHMS = frozenset(
    {
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    }
)


class RouteRule(BaseModel):
    """Overrides for the requests whose path starts with `prefix` (`*` matches one segment).

    The longest matching prefix wins. A field left unset keeps the gateway default.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: str = Field(pattern=r"^/v1/[^/]+(/.*)?$")
    methods: frozenset[str] | None = None
    name: str | None = None  # the `route` label in metrics and the rate-limit bucket
    timeout_s: float | None = Field(default=None, gt=0)
    scope: str | None = None  # replaces `<service>:read|write`, e.g. "admin"
    rate_per_s: float | None = Field(default=None, ge=0)  # 0 disables the limit
    burst: int | None = Field(default=None, ge=1)
    max_body_bytes: int | None = Field(default=None, ge=0)

    @field_validator("methods")
    @classmethod
    def _upper(cls, v: frozenset[str] | None) -> frozenset[str] | None:
        return frozenset(m.upper() for m in v) if v is not None else None


# Raw queries and anything under a service's `admin/` need the admin scope.
DEFAULT_ROUTES: tuple[RouteRule, ...] = (
    RouteRule(prefix="/v1/*/admin", scope="admin"),
    RouteRule(prefix="/v1/kg/cypher", scope="admin", timeout_s=30),
    RouteRule(prefix="/v1/kg/query/cypher", scope="admin", timeout_s=30),
    RouteRule(prefix="/v1/kg/raw", scope="admin", timeout_s=30),
)


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"

    # Authentication: "on" or "off"; unset means on everywhere except SHOPMIND_ENV=development.
    auth: Literal["on", "off"] | None = Field(default=None, alias="GATEWAY_AUTH")

    upstream_timeout_s: float = Field(default=60.0, alias="GATEWAY_UPSTREAM_TIMEOUT_S", gt=0)
    connect_timeout_s: float = Field(default=5.0, alias="GATEWAY_CONNECT_TIMEOUT_S", gt=0)
    health_timeout_s: float = Field(default=2.0, alias="GATEWAY_HEALTH_TIMEOUT_S", gt=0)
    retries: int = Field(default=2, alias="GATEWAY_RETRIES", ge=0, le=10)
    retry_backoff_s: float = Field(default=0.05, alias="GATEWAY_RETRY_BACKOFF_S", ge=0)
    breaker_failures: int = Field(default=5, alias="GATEWAY_BREAKER_FAILURES", ge=1)
    breaker_reset_s: float = Field(default=30.0, alias="GATEWAY_BREAKER_RESET_S", gt=0)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, alias="GATEWAY_MAX_BODY_BYTES", ge=0)
    upstream_client: Literal["h1", "aiohttp", "httpx"] = Field(
        default="h1", alias="GATEWAY_UPSTREAM_CLIENT"
    )
    upstream_pool_size: int = Field(default=512, alias="GATEWAY_UPSTREAM_POOL_SIZE", ge=1)
    routes: tuple[RouteRule, ...] = Field(default=DEFAULT_ROUTES, alias="GATEWAY_ROUTES")

    cors_origins: tuple[str, ...] = Field(default=(), alias="GATEWAY_CORS_ORIGINS")
    cors_allow_credentials: bool = Field(default=False, alias="GATEWAY_CORS_ALLOW_CREDENTIALS")
    cors_max_age_s: int = Field(default=600, alias="GATEWAY_CORS_MAX_AGE_S", ge=0)

    # Token bucket per caller and route; REDIS_URL shares it across replicas.
    rate_limit_per_s: float = Field(default=50.0, alias="GATEWAY_RATE_LIMIT_PER_S", ge=0)
    rate_limit_burst: int = Field(default=100, alias="GATEWAY_RATE_LIMIT_BURST", ge=1)
    redis_url: str | None = Field(default=None, alias="REDIS_URL")

    key_cache_ttl_s: float = Field(default=5.0, alias="GATEWAY_KEY_CACHE_TTL_S", ge=0)
    jwt_secret: str | None = Field(default=None, alias="GATEWAY_JWT_SECRET")
    jwt_jwks_file: str | None = Field(default=None, alias="GATEWAY_JWT_JWKS_FILE")
    jwt_algorithms: tuple[str, ...] = Field(
        default=("HS256", "RS256", "ES256"), alias="GATEWAY_JWT_ALGORITHMS"
    )
    jwt_issuer: str | None = Field(default=None, alias="GATEWAY_JWT_ISSUER")
    jwt_audience: str | None = Field(default=None, alias="GATEWAY_JWT_AUDIENCE")
    jwt_leeway_s: float = Field(default=30.0, alias="GATEWAY_JWT_LEEWAY_S", ge=0)

    openapi_cache_s: float = Field(default=30.0, alias="GATEWAY_OPENAPI_CACHE_S", ge=0)

    @field_validator("jwt_algorithms")
    @classmethod
    def _known_algorithms(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [a for a in v if a not in SUPPORTED_JWT_ALGORITHMS]
        if unknown:
            raise ValueError(
                f"GATEWAY_JWT_ALGORITHMS: unsupported {unknown}; "
                f"choose from {sorted(SUPPORTED_JWT_ALGORITHMS)}"
            )
        return v

    @model_validator(mode="after")
    def _auth_in_production(self) -> GatewaySettings:
        if self.environment == "production" and self.auth == "off":
            raise ValueError("GATEWAY_AUTH=off is refused when SHOPMIND_ENV=production")
        if self.jwt_secret is not None and len(self.jwt_secret) < 32:
            raise ValueError("GATEWAY_JWT_SECRET must be at least 32 characters")
        return self

    @property
    def auth_enabled(self) -> bool:
        if self.auth is not None:
            return self.auth == "on"
        return self.environment != "development"
