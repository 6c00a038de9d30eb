"""Render every kustomize overlay and validate every object, offline.

    python deploy/k8s/validate.py [--only OVERLAY] [--k8s-version 1.30.0] [--kustomize PATH]

1. Each `overlays/*/` is rendered by kustomize (`$KUSTOMIZE`, `kustomize` on PATH,
   or `$SHOPMIND_CACHE/bin/kustomize`; when none is found and Go is present, it is
   built once from the Go module proxy into that cache).
2. Built-in kinds are validated against the Kubernetes JSON schemas that the PyPI
   package `kubernetes-validate` ships, in strict mode (unknown fields are errors).
3. Custom resources (Strimzi, KEDA) are validated against the trimmed CRD schemas
   in `crds/`, strict as well; a custom kind without a schema there is reported as
   skipped, by name.
4. Policy: every workload container is locked down (non-root, read-only root
   filesystem unless the manifest says why not, no privilege escalation, all
   capabilities dropped, RuntimeDefault seccomp), has requests, limits and probes;
   no Secret is committed; autoscalers point at Deployments that exist, and no
   Deployment has both an HPA and a ScaledObject.

Exits 1 when any object fails, after listing every failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

HERE = Path(__file__).resolve().parent
KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
KUSTOMIZE_VERSION = "v5.7.1"
DEFAULT_K8S_VERSION = "1.30.0"
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet"}
# Containers whose image must write to its own filesystem; the manifest says why.
WRITABLE_ROOT_OK = {("StatefulSet", "neo4j", "neo4j")}


def cache_dir() -> Path:
    return Path(os.environ.get("SHOPMIND_CACHE", Path.home() / ".cache" / "shopmind"))


def find_kustomize(explicit: str | None) -> str:
    """A kustomize binary: the one given, on PATH, in the cache, or built into the cache."""
    for candidate in (explicit, os.environ.get("KUSTOMIZE")):
        if candidate:
            return candidate
    on_path = shutil.which("kustomize")
    if on_path:
        return on_path
    cached = cache_dir() / "bin" / "kustomize"
    if cached.exists():
        return str(cached)
    go = shutil.which("go")
    if go is None:
        sys.exit("kustomize not found and no Go toolchain to build it: set KUSTOMIZE")
    print(f"building kustomize {KUSTOMIZE_VERSION} into {cached.parent} (once)", flush=True)
    env = {**os.environ, "GOBIN": str(cached.parent), "GOFLAGS": "-mod=mod"}
    cached.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([go, "install", f"{KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION}"], env=env, check=True)
    return str(cached)


def render(kustomize: str, overlay: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [kustomize, "build", str(overlay)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RenderError(done.stderr.strip() or f"kustomize exited {done.returncode}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


class RenderError(Exception):
    pass


def _strict(schema: Any) -> Any:
    """Forbid unknown fields where the CRD lists them, as strict field validation does."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def load_crd_schemas(crd_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the strict openAPIV3Schema of each CRD kept in the repo."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                schemas[key] = _strict(version["schema"]["openAPIV3Schema"])
    return schemas


def _where(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('name')}"


def _path(parts: Any) -> str:
    return ".".join(str(p) for p in parts) or "(root)"


def schema_errors(
    obj: dict[str, Any], k8s_version: str, crds: dict[tuple[str, str], dict[str, Any]]
) -> tuple[str, list[str]]:
    """('builtin'|'crd'|'skipped', errors) for one object."""
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    if key in crds:
        validator = jsonschema.Draft7Validator(crds[key])
        errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
        return "crd", [f"{_path(e.path)}: {e.message}" for e in errors]
    try:
        kubernetes_validate.validate(obj, k8s_version, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return "skipped", []
    except kubernetes_validate.ValidationError as exc:
        return "builtin", [f"{_path(exc.path)}: {exc.message}"]
    return "builtin", []


def _containers(pod_spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for field in ("initContainers", "containers"):
        for container in pod_spec.get(field) or []:
            yield field, container


def policy_errors(obj: dict[str, Any]) -> list[str]:
    """What a reviewer would refuse even though the schema accepts it."""
    kind = obj.get("kind")
    if kind == "Secret":
        return ["Secret objects are not committed: reference a Secret created out of band"]
    if kind not in WORKLOADS:
        return []
    errors: list[str] = []
    name = obj["metadata"]["name"]
    pod = obj["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext") or {}
    if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        errors.append("pod securityContext.seccompProfile.type must be RuntimeDefault")
    if pod.get("automountServiceAccountToken") is not False:
        errors.append("automountServiceAccountToken must be false")
    for field, c in _containers(pod):
        where = f"{field}[{c.get('name')}]"
        sc = c.get("securityContext") or {}
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            errors.append(f"{where}: runAsNonRoot must be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append(f"{where}: allowPrivilegeEscalation must be false")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            errors.append(f"{where}: capabilities.drop must include ALL")
        if sc.get("readOnlyRootFilesystem") is not True and (
            kind,
            name,
            c.get("name"),
        ) not in WRITABLE_ROOT_OK:
            errors.append(f"{where}: readOnlyRootFilesystem must be true")
        resources = c.get("resources") or {}
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in (resources.get(part) or {}):
                    errors.append(f"{where}: resources.{part}.{res} is missing")
        if field == "containers":
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in c:
                    errors.append(f"{where}: {probe} is missing")
    return errors


def cross_errors(objects: list[dict[str, Any]]) -> list[str]:
    """References between objects of one overlay."""
    deployments = {o["metadata"]["name"] for o in objects if o.get("kind") == "Deployment"}
    scaled: Counter[str] = Counter()
    errors = []
    for o in objects:
        if o.get("kind") in ("HorizontalPodAutoscaler", "ScaledObject"):
            target = o["spec"]["scaleTargetRef"]["name"]
            scaled[target] += 1
            if target not in deployments:
                errors.append(f"{_where(o)}: scales Deployment {target!r}, which is not rendered")
    errors += [
        f"Deployment/{name}: scaled by {n} autoscalers (an HPA and a ScaledObject fight)"
        for name, n in scaled.items()
        if n > 1
    ]
    return errors


def validate_overlay(
    kustomize: str, overlay: Path, k8s_version: str, crds: dict[tuple[str, str], dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """(report lines, failures) for one overlay."""
    try:
        objects = render(kustomize, overlay)
    except RenderError as exc:
        return [], [f"{overlay.name}: kustomize build failed: {exc}"]
    counts: Counter[str] = Counter()
    skipped: list[str] = []
    failures: list[str] = []
    for obj in objects:
        how, errors = schema_errors(obj, k8s_version, crds)
        counts[how] += 1
        if how == "skipped":
            skipped.append(_where(obj) + f" ({obj.get('apiVersion')})")
        errors += policy_errors(obj)
        failures += [f"{overlay.name}: {_where(obj)}: {e}" for e in errors]
    failures += [f"{overlay.name}: {e}" for e in cross_errors(objects)]
    kinds = Counter(str(o.get("kind")) for o in objects)
    lines = [
        f"overlay {overlay.name}: {len(objects)} objects "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})",
        f"  {counts['builtin']} against Kubernetes {k8s_version} schemas (strict), "
        f"{counts['crd']} against CRD schemas in crds/ (strict), {len(skipped)} skipped",
    ]
    lines += [f"  skipped (no schema): {s}" for s in skipped]
    return lines, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the deploy/k8s directory")
    parser.add_argument("--k8s-version", default=DEFAULT_K8S_VERSION)
    parser.add_argument("--kustomize", default=None, help="path to a kustomize binary")
    parser.add_argument("--only", action="append", help="validate this overlay only (repeatable)")
    args = parser.parse_args(argv)

    overlays = sorted(p.parent for p in (args.root / "overlays").glob("*/kustomization.yaml"))
    if args.only:
        overlays = [o for o in overlays if o.name in args.only]
    if not overlays:
        print(f"no overlays under {args.root / 'overlays'}", file=sys.stderr)
        return 1
    kustomize = find_kustomize(args.kustomize)
    crds = load_crd_schemas(args.root / "crds")
    print(f"kustomize: {kustomize}; CRD schemas: {', '.join(k for _, k in sorted(crds))}")
    failures: list[str] = []
    for overlay in overlays:
        lines, errors = validate_overlay(kustomize, overlay, args.k8s_version, crds)
        print("\n".join(lines))
        failures += errors
    if failures:
        print(f"\n{len(failures)} problem(s):", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print(f"ok: {len(overlays)} overlays valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
