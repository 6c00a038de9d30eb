# ShopMind: `make run` runs the suite, `make test` passes the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export SHOPMIND_CACHE ?= $(HOME)/.cache/shopmind
export UV_CACHE_DIR ?= $(SHOPMIND_CACHE)/uv
export UV_PROJECT_ENVIRONMENT ?= $(SHOPMIND_CACHE)/venv
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MODEL_CACHE_DIR ?= $(SHOPMIND_CACHE)/models
PYTHON_BIN ?= python3.11
UV := $(SHOPMIND_CACHE)/tools/bin/uv
VENV := $(UV_PROJECT_ENVIRONMENT)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.shopmind-setup
INFRA := deploy/local/infra.sh
PROTOS := $(shell find proto -name '*.proto')
GEN_MARK := libs/events/src/shopmind/events/common/v1/envelope_pb2.py
PYTEST_ARGS ?=

.PHONY: FORCE help setup proto run test test-unit infra-up infra-down lint bench k8s-validate clean

help:
	@echo "make run     run the whole suite in one process on http://127.0.0.1:8000"
	@echo "make test    start Kafka, Neo4j, PostgreSQL and Redis, run every test, stop them"
	@echo "make setup   build the cached environment in $(SHOPMIND_CACHE)"
	@echo "make lint | proto | bench | infra-up | infra-down | k8s-validate"

$(UV):
	$(PYTHON_BIN) -m venv $(SHOPMIND_CACHE)/tools
	$(SHOPMIND_CACHE)/tools/bin/pip install -q "uv==0.13.8"

# The workspace packages are installed editable: when the stamp names another
# checkout (a CI clone, say), sync again so they point here.
ifneq ($(shell cat $(STAMP) 2>/dev/null),$(CURDIR))
$(STAMP): FORCE
endif
FORCE:

$(STAMP): $(UV) uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml)
	$(UV) sync --all-packages --frozen
	@echo "$(CURDIR)" > $@

KUSTOMIZE_BIN := $(SHOPMIND_CACHE)/bin/kustomize

MODELS_MARK := $(SHOPMIND_CACHE)/models/SmolLM2-135M-Instruct/config.json

setup: $(STAMP) $(GEN_MARK) $(KUSTOMIZE_BIN) $(MODELS_MARK)

# The packaged SmolLM2 GGUF, converted once to a safetensors checkpoint (seconds to load after).
$(MODELS_MARK): $(STAMP) $(GEN_MARK)
	$(PY) -m shopmind_common.models prepare
	@touch $@

# kustomize renders deploy/k8s; built once from the Go module proxy into the cache.
$(KUSTOMIZE_BIN):
	GOBIN=$(SHOPMIND_CACHE)/bin GOFLAGS=-mod=mod go install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1

$(GEN_MARK): $(PROTOS) $(STAMP)
	$(MAKE) proto

proto: $(STAMP)
	@rm -rf $(filter-out libs/events/src/shopmind/events/__init__.py,$(wildcard libs/events/src/shopmind/events/*))
	$(PY) -m grpc_tools.protoc -I proto --python_out=libs/events/src --pyi_out=libs/events/src $(PROTOS)
	@echo "generated $(words $(PROTOS)) schemas into libs/events/src/shopmind/events/"

run: setup
	$(VENV)/bin/shopmind run

infra-up:
	bash $(INFRA) up kafka neo4j postgres redis

infra-down:
	bash $(INFRA) down kafka neo4j postgres redis

# Starts only what is not running, runs everything, stops what it started.
test: setup
	@set -euo pipefail; \
	started=$$(bash $(INFRA) up kafka neo4j postgres redis --report-started); \
	trap 'bash $(INFRA) down $$started' EXIT; \
	eval "$$(bash $(INFRA) env)"; \
	export SHOPMIND_REQUIRE_INFRA=1; \
	$(PY) deploy/k8s/validate.py; \
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: setup
	$(PY) -m pytest -m "not kafka and not neo4j and not postgres and not redis" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check libs/common gateway
	$(VENV)/bin/mypy libs/common/src gateway/src

bench: setup
	@set -euo pipefail; \
	started=$$(bash $(INFRA) up kafka neo4j postgres --report-started); \
	trap 'bash $(INFRA) down $$started' EXIT; \
	eval "$$(bash $(INFRA) env)"; \
	for b in bench/*/run.py; do echo "== $$b"; $(PY) $$b; done

k8s-validate: setup
	$(PY) deploy/k8s/validate.py

clean:
	rm -rf $(filter-out libs/events/src/shopmind/events/__init__.py,$(wildcard libs/events/src/shopmind/events/*))
