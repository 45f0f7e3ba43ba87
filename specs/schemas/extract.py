"""Regenerate specs/schemas/kubernetes-<version>/ from the PyPI package kubernetes-validate.

    python specs/schemas/extract.py                 # downloads the pinned wheel with pip
    python specs/schemas/extract.py --wheel FILE    # or reads a wheel you already have

The wheel is checked against the pinned SHA-256, read in place (nothing is installed)
and the schemas of the kinds in KINDS are written, minified, with only the shared
definitions those kinds reach. What is changed on the way, and why, is listed in
`normalize_definitions` and in README.md beside this script.

Development tool only: the engine never imports it, and it needs nothing but the
standard library (and `jsonschema`/`referencing` for the final self-check).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "kubernetes-validate"
PACKAGE_VERSION = "1.37.0"
WHEEL = "kubernetes_validate-1.37.0-py3-none-any.whl"
WHEEL_SHA256 = "85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9"
KUBERNETES_VERSION = "1.37.0"

# (apiVersion, kind, file stem inside the package's v<version>-local[-strict]/ folders)
KINDS: list[tuple[str, str, str]] = [
    ("v1", "Pod", "pod-v1"),
    ("apps/v1", "Deployment", "deployment-apps-v1"),
    ("apps/v1", "ReplicaSet", "replicaset-apps-v1"),
    ("apps/v1", "StatefulSet", "statefulset-apps-v1"),
    ("apps/v1", "DaemonSet", "daemonset-apps-v1"),
    ("batch/v1", "Job", "job-batch-v1"),
    ("batch/v1", "CronJob", "cronjob-batch-v1"),
    ("v1", "ReplicationController", "replicationcontroller-v1"),
    ("v1", "PodTemplate", "podtemplate-v1"),
    ("v1", "Service", "service-v1"),
    ("v1", "ConfigMap", "configmap-v1"),
    ("v1", "Secret", "secret-v1"),
    ("v1", "Namespace", "namespace-v1"),
    ("v1", "ServiceAccount", "serviceaccount-v1"),
    ("v1", "LimitRange", "limitrange-v1"),
    ("v1", "ResourceQuota", "resourcequota-v1"),
    ("rbac.authorization.k8s.io/v1", "Role", "role-rbac-v1"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterrole-rbac-v1"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebinding-rbac-v1"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebinding-rbac-v1"),
    ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicy-networking-v1"),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscaler-autoscaling-v2"),
    ("v1", "PersistentVolumeClaim", "persistentvolumeclaim-v1"),
    ("networking.k8s.io/v1", "Ingress", "ingress-networking-v1"),
    ("policy/v1", "PodDisruptionBudget", "poddisruptionbudget-policy-v1"),
    ("v1", "Node", "node-v1"),
    ("scheduling.k8s.io/v1", "PriorityClass", "priorityclass-scheduling-v1"),
]

DEFINITIONS = "_definitions.json"
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


def schema_file_name(api_version: str, kind: str) -> str:
    """`apps-v1-deployment.json`; the core group (apiVersion `v1`) is written `core`."""
    group, _, version = api_version.rpartition("/")
    return f"{group or 'core'}-{version}-{kind.lower()}.json"


def fetch_wheel(into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "-d", str(into), f"{PACKAGE}=={PACKAGE_VERSION}"],
        check=True,
    )
    return into / WHEEL


def check_wheel(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {WHEEL_SHA256} ({PACKAGE} {PACKAGE_VERSION})")


def local_refs(node: object, found: set[str]) -> set[str]:
    """Names of the shared definitions a schema refers to (`...#/$defs/<name>`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rpartition("#/$defs/")[2])
            else:
                local_refs(value, found)
    elif isinstance(node, list):
        for item in node:
            local_refs(item, found)
    return found


def closure(roots: list[dict], definitions: dict[str, dict]) -> list[str]:
    todo = sorted(set().union(*(local_refs(root, set()) for root in roots)))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(local_refs(definitions[name], set()) - seen)
    return sorted(seen)


def normalize_definitions(definitions: dict[str, dict]) -> None:
    """The two changes made to the package's definitions, both for int-or-string values.

    The generator turned `IntOrString` (OpenAPI: `type: string, format: int-or-string`,
    `x-kubernetes-int-or-string: true`) and `Quantity` (a string that JSON decoding also
    accepts as a number) into `oneOf: [{type: [string, null]}, {type: [integer|number, null]}]`.
    Both branches accept null, so `oneOf` rejects `maxSurge: null` or `cpu: null`, which the
    API server takes as "unset" like any other optional field; and a wrong value gets
    "is not valid under any of the given schemas" instead of a type error. A single type
    list accepts and rejects exactly the same non-null values (`"80"`, `80`, `"500m"`, `1`,
    `0.5`; not `true`, `[]`, `{}`; and for IntOrString not `1.5`), accepts null, and reports
    "is not of type ...".
    """
    expected = {
        INT_OR_STRING: [{"type": ["string", "null"]}, {"type": ["integer", "null"]}],
        QUANTITY: [{"type": ["string", "null"]}, {"type": ["number", "null"]}],
    }
    for name, branches in expected.items():
        definition = definitions[name]
        if definition.get("oneOf") != branches:
            sys.exit(f"{name}: unexpected upstream shape {json.dumps(definition)[:200]}; review the script")
        del definition["oneOf"]
        definition["type"] = [branches[0]["type"][0], branches[1]["type"][0], "null"]
    definitions[INT_OR_STRING]["x-kubernetes-int-or-string"] = True


def dump(value: object, path: Path) -> int:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode())


def extract(wheel: Path, out: Path) -> int:
    total = 0
    with zipfile.ZipFile(wheel) as archive:
        for variant, target in (("local", out), ("local-strict", out / "strict")):
            source = f"kubernetes_validate/kubernetes-json-schema/v{KUBERNETES_VERSION}-{variant}/"
            document = json.loads(archive.read(source + DEFINITIONS))
            if document.get("$id") != DEFINITIONS_ID:
                sys.exit(f"{source}{DEFINITIONS}: unexpected $id {document.get('$id')!r}")
            kinds = {stem: json.loads(archive.read(f"{source}{stem}.json")) for _, _, stem in KINDS}
            definitions = document["$defs"]
            kept = {name: definitions[name] for name in closure(list(kinds.values()), definitions)}
            normalize_definitions(kept)

            target.mkdir(parents=True, exist_ok=True)
            for old in target.glob("*.json"):
                old.unlink()
            subset = {key: value for key, value in document.items() if key != "$defs"}
            total += dump({**subset, "$defs": kept}, target / DEFINITIONS)
            for api_version, kind, stem in KINDS:
                schema = kinds[stem]
                gvk = schema.get("x-kubernetes-group-version-kind", [{}])[0]
                if gvk.get("kind") != kind or schema["properties"]["apiVersion"]["enum"] != [api_version]:
                    sys.exit(f"{source}{stem}.json is not {api_version} {kind}")
                total += dump(schema, target / schema_file_name(api_version, kind))
    return total


def self_check(out: Path) -> None:
    """Every kind resolves offline against its folder's _definitions.json."""
    try:
        import jsonschema
        from referencing import Registry, Resource
    except ImportError:  # pragma: no cover - both come with the project's dependencies
        print("jsonschema/referencing not installed: self-check skipped")
        return
    for folder in (out, out / "strict"):
        definitions = json.loads((folder / DEFINITIONS).read_text())
        registry = Registry().with_resource(DEFINITIONS_ID, Resource.from_contents(definitions))
        for api_version, kind, _ in KINDS:
            schema = json.loads((folder / schema_file_name(api_version, kind)).read_text())
            jsonschema.Draft202012Validator.check_schema(schema)
            resolver = registry.resolver()
            for ref in sorted(local_refs(schema, set()) | local_refs(definitions, set())):
                resolver.lookup(f"{DEFINITIONS_ID}#/$defs/{ref}")
            validator = jsonschema.Draft202012Validator(schema, registry=registry)
            # Walks every $ref the object reaches; an unresolvable one raises here.
            list(validator.iter_errors({"apiVersion": api_version, "kind": kind, "metadata": {}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {WHEEL} (default: pip download it)")
    default_out = Path(__file__).resolve().parent / f"kubernetes-{KUBERNETES_VERSION}"
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        check_wheel(wheel)
        total = extract(wheel, args.out)
    self_check(args.out)
    print(f"{args.out}: {2 * len(KINDS)} kind schemas and 2 definition files, {total} bytes")


if __name__ == "__main__":
    main()
