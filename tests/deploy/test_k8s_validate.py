"""`deploy/k8s/validate.py` passes on the repository's manifests and fails on planted breakage."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"

# Building kustomize from the Go module proxy, on a machine without it, takes minutes.
pytestmark = pytest.mark.timeout(1200)


def _validate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "validate.py"), *args],
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )


def test_every_overlay_renders_and_validates() -> None:
    done = _validate(K8S)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "ok: 2 overlays valid" in out
    # prod carries every service, Strimzi and KEDA resources, all checked against a schema.
    assert "overlay prod:" in out and "7 Deployment" in out and "4 ScaledObject" in out
    assert "14 KafkaTopic" in out and "1 StatefulSet" in out
    assert "0 skipped" in out and "skipped (no schema)" not in out
    assert "overlay dev: 4 objects" in out


PLANTED = [
    # A Kubernetes schema error: a port that is not a number.
    (
        "base/nlp/deployment.yaml",
        "containerPort: 8000",
        "containerPort: eight-thousand",
        "prod: Deployment/nlp: spec.template.spec.containers.0.ports.0.containerPort",
    ),
    # A misspelt field: strict validation refuses unknown fields.
    ("overlays/dev/suite.yaml", "readinessProbe:", "readynessProbe:", "dev: Deployment/suite"),
    # A custom resource against its CRD schema: partitions must be an integer.
    (
        "overlays/prod/kafka-topics.yaml",
        "partitions: 12",
        "partitions: twelve",
        "prod: KafkaTopic/reviews-review-created: spec.partitions",
    ),
    # An unknown field in a KEDA ScaledObject.
    (
        "components/keda/scaledobjects.yaml",
        "cooldownPeriod: 300",
        "cooldownPeriods: 300",
        "prod: ScaledObject/nlp",
    ),
    # Policy: a container that may write its root filesystem.
    (
        "base/kg/deployment.yaml",
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
        "prod: Deployment/kg: containers[kg]: readOnlyRootFilesystem must be true",
    ),
    # Policy: a Secret committed with its value.
    (
        "overlays/prod/kustomization.yaml",
        "  - decision-models.yaml\n",
        "  - decision-models.yaml\n  - secret.yaml\n",
        "prod: Secret/shopmind-internal: Secret objects are not committed",
    ),
]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "k8s"
    shutil.copytree(K8S, root)
    return root


def _replace(root: Path, relative: str, old: str, new: str) -> None:
    target = root / relative
    text = target.read_text()
    assert old in text, f"{old!r} not in {relative}"
    target.write_text(text.replace(old, new, 1))


def test_planted_broken_manifests_fail_each_named(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    for relative, old, new, _ in PLANTED:
        _replace(root, relative, old, new)
    (root / "overlays/prod/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shopmind-internal\n"
        "stringData:\n  secret: hunter2\n"
    )
    done = _validate(root)
    assert done.returncode == 1, done.stdout + done.stderr
    for *_, expected in PLANTED:
        assert expected in done.stderr, (expected, done.stderr)


# One schema error and one CRD error alone (each render costs seconds, so not all six).
@pytest.mark.parametrize(("relative", "old", "new", "expected"), [PLANTED[0], PLANTED[2]])
def test_one_planted_breakage_alone_fails(
    tmp_path: Path, relative: str, old: str, new: str, expected: str
) -> None:
    """A single breakage is enough to fail the whole run."""
    root = _copy(tmp_path)
    _replace(root, relative, old, new)
    done = _validate(root, "--only", expected.split(":")[0])
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in done.stderr


def test_a_kustomization_that_does_not_render_fails(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _replace(root, "overlays/dev/kustomization.yaml", "  - suite.yaml", "  - suite-missing.yaml")
    done = _validate(root, "--only", "dev")
    assert done.returncode == 1
    assert "dev: kustomize build failed" in done.stderr
