"""Tests for kuberules.k8s.schema: manifests against the Kubernetes JSON Schemas in specs/schemas/."""

from __future__ import annotations

import copy
import datetime
import hashlib
import importlib.util
import json
import marshal
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from kuberules.k8s import schema as schema_module
from kuberules.k8s.schema import KUBERNETES_VERSION, SchemaProblem, SchemaValidator, schemas_dir
from kuberules.resources import specs_dir

POD_SPEC = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": POD_SPEC}
SELECTOR = {"matchLabels": {"app": "web"}}
META = {"name": "x", "namespace": "default"}

# A minimal valid object of every kind `kuberules check` validates.
MINIMAL = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": META, "spec": POD_SPEC},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": META,
     "spec": {"selector": SELECTOR, "template": TEMPLATE}},
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": META,
     "spec": {"selector": SELECTOR, "template": TEMPLATE}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": META,
     "spec": {"selector": SELECTOR, "template": TEMPLATE, "serviceName": "x"}},
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": META,
     "spec": {"selector": SELECTOR, "template": TEMPLATE}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": META,
     "spec": {"template": {"spec": {**POD_SPEC, "restartPolicy": "Never"}}}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": META,
     "spec": {"schedule": "*/5 * * * *",
              "jobTemplate": {"spec": {"template": {"spec": {**POD_SPEC, "restartPolicy": "OnFailure"}}}}}},
    {"apiVersion": "v1", "kind": "ReplicationController", "metadata": META,
     "spec": {"selector": {"app": "web"}, "template": TEMPLATE}},
    {"apiVersion": "v1", "kind": "PodTemplate", "metadata": META, "template": TEMPLATE},
    {"apiVersion": "v1", "kind": "Service", "metadata": META,
     "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": META, "data": {"key": "value"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": META, "type": "Opaque",
     "stringData": {"password": "hunter2"}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": META},
    {"apiVersion": "v1", "kind": "LimitRange", "metadata": META,
     "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "128Mi"}}]}},
    {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": META,
     "spec": {"hard": {"pods": "10", "requests.cpu": 4}}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": META,
     "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "x"},
     "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": META,
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "x"},
     "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "default"}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "x"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "x"},
     "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}]},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": META,
     "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
              "ingress": [{"ports": [{"port": "http"}, {"port": 53, "protocol": "UDP"}]}]}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": META,
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"},
              "minReplicas": 1, "maxReplicas": 5,
              "metrics": [{"type": "Resource", "resource": {
                  "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}},
    {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": META,
     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": META,
     "spec": {"rules": [{"host": "example.com", "http": {"paths": [
         {"path": "/", "pathType": "Prefix",
          "backend": {"service": {"name": "x", "port": {"number": 80}}}}]}}]}},
    {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": META,
     "spec": {"minAvailable": "50%", "selector": SELECTOR}},
    {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.0.0.0/24"}},
    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
     "value": 1000000, "globalDefault": False},
]

DEPLOYMENT = yaml.safe_load(textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      strategy:
        rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
          - name: web
            image: nginx:1.27
            ports:
            - {name: http, containerPort: 80}
            resources:
              requests: {cpu: 500m, memory: 128Mi}
              limits: {cpu: 1, memory: 1Gi}
            readinessProbe:
              httpGet: {path: /healthz, port: http}
    """))

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    """These tests compile every kind, often: into a cache of their own, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(schema_module.CACHE_ENV, str(tmp_path_factory.mktemp("schema-cache")))
        yield


@pytest.fixture(scope="module")
def plain() -> SchemaValidator:
    return SchemaValidator()


@pytest.fixture(scope="module")
def strict() -> SchemaValidator:
    return SchemaValidator(strict=True)


def messages(validator: SchemaValidator, obj: object) -> list[str]:
    return [p.message for p in validator.errors(obj)]


def deployment(**edits) -> dict:
    """DEPLOYMENT with `edits` applied: a dotted path (ints are list indexes) to a value."""
    obj = copy.deepcopy(DEPLOYMENT)
    for dotted, value in edits.items():
        *parents, last = [int(p) if p.isdigit() else p for p in dotted.split("__")]
        node = obj
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return obj


_DELETE = object()
CONTAINER = "spec__template__spec__containers__0"


# --- every kind ------------------------------------------------------------------------


def test_minimal_examples_cover_every_stored_kind() -> None:
    stored = {p.name for p in schemas_dir().glob("*.json")} - {"_definitions.json"}
    assert stored == {schema_module.schema_file_name(o["apiVersion"], o["kind"]) for o in MINIMAL}
    assert len(stored) == 27


@pytest.mark.parametrize("obj", MINIMAL, ids=lambda o: o["kind"])
def test_every_kind_accepts_a_minimal_valid_example(obj, plain, strict) -> None:
    assert plain.known(obj) and strict.known(obj)
    assert plain.errors(obj) == []
    assert strict.errors(obj) == []
    assert plain.is_valid(obj) and strict.is_valid(obj)


@pytest.mark.parametrize("obj", MINIMAL, ids=lambda o: o["kind"])
def test_every_kind_reports_an_unknown_field_only_under_strict(obj, plain, strict) -> None:
    bad = {**obj, "extra": 1}
    assert plain.errors(bad) == []
    assert strict.errors(bad) == [
        SchemaProblem(("extra",), 'extra: unknown field "extra"', "additionalProperties"),
    ]


def test_realistic_deployment_is_valid(plain, strict) -> None:
    assert plain.errors(DEPLOYMENT) == []
    assert strict.errors(DEPLOYMENT) == []


# --- wrong types, missing fields, unknown fields ---------------------------------------


def test_replicas_as_a_string(plain) -> None:
    [problem] = plain.errors(deployment(spec__replicas="3"))
    assert problem == SchemaProblem(("spec", "replicas"), 'spec.replicas: "3" is not of type integer', "type")
    assert str(problem) == problem.message


def test_container_port_as_a_string(plain) -> None:
    [problem] = plain.errors(deployment(**{f"{CONTAINER}__ports__0__containerPort": "80"}))
    assert problem.path == ("spec", "template", "spec", "containers", 0, "ports", 0, "containerPort")
    assert problem.message == (
        'spec.template.spec.containers[0].ports[0].containerPort: "80" is not of type integer'
    )
    assert problem.rule == "type"


def test_container_without_name(plain) -> None:
    [problem] = plain.errors(deployment(**{f"{CONTAINER}__name": _DELETE}))
    assert problem == SchemaProblem(
        ("spec", "template", "spec", "containers", 0),
        "spec.template.spec.containers[0]: 'name' is a required property",
        "required",
    )


def test_required_at_the_top_level_has_no_path_prefix(plain) -> None:
    obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "x"}}
    assert plain.errors(obj) == [SchemaProblem((), "'roleRef' is a required property", "required")]


def test_every_problem_is_reported_sorted_by_path(plain) -> None:
    obj = deployment(spec__replicas="3", **{
        f"{CONTAINER}__name": _DELETE,
        f"{CONTAINER}__ports__0__containerPort": "80",
        "metadata__labels__app": 1,
    })
    assert messages(plain, obj) == [
        'metadata.labels.app: 1 is not of type string',
        'spec.replicas: "3" is not of type integer',
        "spec.template.spec.containers[0]: 'name' is a required property",
        'spec.template.spec.containers[0].ports[0].containerPort: "80" is not of type integer',
    ]


def test_list_indexes_sort_as_numbers(plain) -> None:
    containers = [{"name": f"c{i}", "image": "x"} for i in range(12)]
    containers[2]["image"] = 2
    containers[10]["image"] = 10
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}
    assert [p.path[2] for p in plain.errors(obj)] == [2, 10]


def test_unknown_fields_only_under_strict(plain, strict) -> None:
    obj = deployment(spec__foo=1, **{f"{CONTAINER}__resource": {}, "metadata__bogus": "x"})
    assert plain.errors(obj) == []
    assert strict.errors(obj) == [
        SchemaProblem(("metadata", "bogus"), 'metadata.bogus: unknown field "bogus"', "additionalProperties"),
        SchemaProblem(("spec", "foo"), 'spec.foo: unknown field "foo"', "additionalProperties"),
        SchemaProblem(("spec", "template", "spec", "containers", 0, "resource"),
                      'spec.template.spec.containers[0].resource: unknown field "resource"',
                      "additionalProperties"),
    ]


def test_two_unknown_fields_of_one_object_are_two_problems(strict) -> None:
    assert messages(strict, deployment(spec__foo=1, spec__bar=2)) == [
        'spec.bar: unknown field "bar"', 'spec.foo: unknown field "foo"',
    ]


def test_strict_keeps_free_form_maps_open(strict) -> None:
    obj = deployment(metadata__labels={"app.kubernetes.io/name": "web", "anything": "goes"},
                     metadata__annotations={"free": "form"})
    assert strict.errors(obj) == []
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                 "data": {"any.key": "v", "other": "w"}}
    assert strict.errors(configmap) == []


def test_kind_spelt_in_lower_case_is_caught(plain) -> None:
    obj = {**DEPLOYMENT, "kind": "deployment"}
    assert plain.known(obj)
    assert plain.errors(obj) == [
        SchemaProblem(("kind",), 'kind: "deployment" is not one of "Deployment"', "enum"),
    ]


def test_long_values_are_shortened_in_messages(plain) -> None:
    [problem] = plain.errors(deployment(spec__replicas="x" * 200))
    assert problem.message.startswith('spec.replicas: "xxxx')
    assert problem.message.endswith('... is not of type integer')
    assert len(problem.message) < 120


def test_wrong_type_of_a_whole_object(plain) -> None:
    [problem] = plain.errors(deployment(spec__template__spec__containers={"name": "web"}))
    assert problem.message == 'spec.template.spec.containers: {"name": "web"} is not of type array'


def test_null_for_a_required_integer_is_an_error(plain) -> None:
    [problem] = plain.errors(deployment(**{f"{CONTAINER}__ports__0__containerPort": None}))
    assert problem.message.endswith("containerPort: null is not of type integer")


def test_null_for_an_optional_field_is_accepted(plain) -> None:
    assert plain.errors(deployment(spec__replicas=None, metadata__labels=None)) == []


# --- int-or-string and quantities ------------------------------------------------------


@pytest.mark.parametrize("value", ["http", 8080, None])
def test_target_port_is_int_or_string(value, plain) -> None:
    obj = copy.deepcopy(SERVICE)
    obj["spec"]["ports"][0]["targetPort"] = value
    assert plain.errors(obj) == []


@pytest.mark.parametrize("value", [1.5, True, [80], {"port": 80}])
def test_target_port_rejects_what_is_neither(value, plain) -> None:
    obj = copy.deepcopy(SERVICE)
    obj["spec"]["ports"][0]["targetPort"] = value
    [problem] = plain.errors(obj)
    assert problem.rule == "type"
    assert problem.message.startswith("spec.ports[0].targetPort: ")
    assert problem.message.endswith(" is not of type string or integer")


@pytest.mark.parametrize("value", ["25%", 1, 0, None])
def test_rolling_update_surge_is_int_or_string(value, plain) -> None:
    assert plain.errors(deployment(spec__strategy__rollingUpdate__maxSurge=value)) == []


@pytest.mark.parametrize("value", ["500m", "1.5", "1Gi", 1, 0.5, None])
def test_quantities_accept_strings_and_numbers(value, plain) -> None:
    assert plain.errors(deployment(**{f"{CONTAINER}__resources__limits__cpu": value})) == []


@pytest.mark.parametrize("value", [True, ["1"], {"n": 1}])
def test_quantities_reject_other_values(value, plain) -> None:
    [problem] = plain.errors(deployment(**{f"{CONTAINER}__resources__limits__cpu": value}))
    assert problem.path[-3:] == ("resources", "limits", "cpu")
    assert problem.message.endswith(" is not of type string or number")


def test_yaml_numbers_for_quantities_and_ports() -> None:
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            image: x
            ports: [{containerPort: "80"}]
            resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: "500m"}}
            livenessProbe: {tcpSocket: {port: "http"}}
        """
    assert messages(SchemaValidator(), yaml.safe_load(textwrap.dedent(text))) == [
        'spec.containers[0].ports[0].containerPort: "80" is not of type integer',
    ]


# --- unknown kinds and odd input -------------------------------------------------------


@pytest.mark.parametrize("obj", [
    {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"replicas": "3"}},
    {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "spec": "x"},
    {"apiVersion": "apps/v1", "kind": "Pod", "spec": "x"},
    {"kind": "Deployment", "spec": "x"},
    {"apiVersion": "apps/v1", "spec": "x"},
    {"apiVersion": 1, "kind": "Deployment"},
    {"apiVersion": "", "kind": ""},
    ["not", "an", "object"],
    None,
    "text",
], ids=repr)
def test_unknown_kinds_are_skipped(obj, plain, strict) -> None:
    assert not plain.known(obj)
    assert plain.errors(obj) == []
    assert strict.errors(obj) == []
    assert plain.is_valid(obj)


def test_unknown_kubernetes_version_is_an_error() -> None:
    with pytest.raises(FileNotFoundError, match="no Kubernetes schemas"):
        SchemaValidator(kubernetes_version="0.1.0")


def test_non_string_keys_and_yaml_dates_are_reported_not_raised(plain, strict) -> None:
    obj = deployment(metadata__labels={80: "x"}, metadata__annotations={"when": datetime.date(2024, 1, 2)})
    assert messages(plain, obj) == ["metadata.annotations.when: 2024-01-02 is not of type string"]
    obj = deployment(spec__selector__matchLabels={1: "a"}, **{"spec__template__spec__nodeSelector": {"k": 1}})
    assert messages(strict, obj) == ["spec.template.spec.nodeSelector.k: 1 is not of type string"]


# --- the fast path agrees with jsonschema ----------------------------------------------

_REPLACEMENTS = ["3", 3, 1.5, None, True, [], {}, [{}], {"x": 1}]


def _mutations(obj: object, path: tuple = ()):
    """Copies of `obj` with one node replaced, deleted, or given an extra field."""
    children = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for key, child in list(children):
        for value in (*_REPLACEMENTS, _DELETE):
            if value is _DELETE and not isinstance(obj, dict):
                continue
            yield _replaced((*path, key), value)
        yield from _mutations(child, (*path, key))
    if isinstance(obj, dict):
        yield _replaced((*path, "zz_extra"), 1)


def _replaced(path: tuple, value: object):
    def apply(root: dict) -> dict:
        root = copy.deepcopy(root)
        node = root
        for part in path[:-1]:
            node = node[part]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return root
    return apply


@pytest.mark.skipif(schema_module.fastjsonschema is None, reason="fastjsonschema not installed")
@pytest.mark.parametrize("is_strict", [False, True], ids=["plain", "strict"])
def test_fast_path_agrees_with_jsonschema(is_strict) -> None:
    """fastjsonschema's yes/no is plain jsonschema's, and so are the problems explained with its help.

    The detailed validator skips every `$ref` fastjsonschema accepts, so it is compared with
    a jsonschema validator that walks everything, not with itself.
    """
    validator = SchemaValidator(strict=is_strict)
    checked = disagreements = explained = 0
    for base in [DEPLOYMENT, SERVICE, *MINIMAL[5:]]:
        compiled = schema_module._compiled(validator.directory, validator._file(base))
        everything = jsonschema.Draft202012Validator(compiled.schema)
        for i, mutate in enumerate(_mutations(base)):
            obj = mutate(base)
            checked += 1
            valid = everything.is_valid(obj)
            if compiled.passes(obj) != valid:
                disagreements += 1
                print(json.dumps(obj, default=str))
            if not valid and i % 3 == 0:  # a sample: walking everything costs
                explained += 1
                assert schema_module._problems(compiled.detailed, obj) == schema_module._problems(everything, obj)
            if i % 10 == 0:  # and is_valid() is errors() == []
                assert validator.is_valid(obj) == (validator.errors(obj) == [])
    assert checked > 2000
    assert explained > 300
    assert disagreements == 0


def test_without_fastjsonschema_jsonschema_answers_alone(monkeypatch) -> None:
    monkeypatch.setattr(schema_module, "fastjsonschema", None)
    schema_module._compiled.cache_clear()
    try:
        validator = SchemaValidator()
        assert validator.errors(DEPLOYMENT) == []
        bad = deployment(spec__replicas="3")
        assert messages(validator, bad) == ['spec.replicas: "3" is not of type integer']
        assert schema_module._compiled(validator.directory, "apps-v1-deployment.json").fast is None
    finally:
        schema_module._compiled.cache_clear()


# --- compiled code cached on disk -----------------------------------------------------

BAD = [
    deployment(spec__replicas="3", **{f"{CONTAINER}__name": _DELETE, "metadata__labels__app": 1}),
    deployment(spec__foo=1, **{f"{CONTAINER}__ports__0__containerPort": "80"}),
    {**SERVICE, "spec": {"ports": [{"port": "80", "targetPort": 1.5}], "extra": True}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"schedule": 5}},
]
CACHED_KINDS = 3  # Deployment, Service, CronJob
# Four kinds, not all 27: every cold start compiles each, ~30 ms a kind and strictness.
SAMPLE = [*BAD, *(o for o in MINIMAL if o["kind"] in {"Deployment", "Service", "CronJob", "ConfigMap"})]


def every_answer() -> list:
    """What both validators say about SAMPLE, built from scratch (no compiled kind kept)."""
    schema_module._compiled.cache_clear()
    answers = []
    for validator in (SchemaValidator(), SchemaValidator(strict=True)):
        for obj in SAMPLE:
            answers.append((validator.known(obj), validator.is_valid(obj), validator.errors(obj)))
    return answers


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory of its own, and no kind compiled before or kept after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(schema_module.CACHE_ENV, str(folder))
    schema_module._compiled.cache_clear()
    yield folder
    schema_module._compiled.cache_clear()


@pytest.fixture
def uncached(monkeypatch) -> list:
    """The answers with the cache turned off: what every cached run must reproduce."""
    monkeypatch.setenv(schema_module.CACHE_ENV, "")
    answers = every_answer()
    assert all(errors for _, _, errors in answers[:len(BAD)])
    assert not any(errors for _, _, errors in answers[len(BAD):len(SAMPLE)])
    return answers


def test_cold_and_warm_cache_give_the_same_problems(uncached, cache, monkeypatch) -> None:
    assert every_answer() == uncached  # cold: compiles and writes
    files = sorted(cache.iterdir())
    assert len(files) == 2 * (CACHED_KINDS + 1) and all(f.suffix == ".code" for f in files)  # no temporary left

    def no_compiling(*args, **kwargs):
        raise AssertionError("a warm cache compiles nothing")

    monkeypatch.setattr(schema_module.fastjsonschema, "compile_to_code", no_compiling)
    assert every_answer() == uncached  # warm: reads
    assert sorted(cache.iterdir()) == files


def test_a_changed_schema_gets_its_own_cache_file(cache) -> None:
    directory = schemas_dir()
    schema = schema_module._standalone(directory, "core-v1-service.json")
    other = copy.deepcopy(schema)
    other["properties"]["spec"]["description"] = "edited"
    assert schema_module._cache_key(schema) == schema_module._cache_key(copy.deepcopy(schema))
    assert schema_module._cache_key(schema) != schema_module._cache_key(other)


def test_unwritable_cache_directory_is_not_an_error(uncached, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")  # works under root too, unlike chmod
    monkeypatch.setenv(schema_module.CACHE_ENV, str(blocker / "cache"))
    try:
        assert every_answer() == uncached
    finally:
        schema_module._compiled.cache_clear()
    assert list(tmp_path.iterdir()) == [blocker]


def test_damaged_cache_files_are_compiled_again_and_replaced(uncached, cache) -> None:
    assert every_answer() == uncached
    files = sorted(cache.iterdir())
    files[0].write_bytes(b"")
    files[1].write_bytes(files[1].read_bytes()[:1000])  # cut short
    files[2].write_bytes(files[2].read_bytes()[:-1] + b"\0")  # one byte changed: the checksum catches it
    for file, payload in [
        (files[3], b"x" * 40),  # a right checksum of no code
        (files[4], marshal.dumps(compile("raise RuntimeError('no')", "f", "exec"))),  # code that fails
        (files[5], marshal.dumps(compile("x = 1", "f", "exec"))),  # code without a validator
    ]:
        file.write_bytes(hashlib.sha256(payload).digest() + payload)
    assert every_answer() == uncached
    assert sorted(cache.iterdir()) == files
    for f in files:  # rewritten whole (not compared byte for byte: marshal's output may vary)
        assert_whole(f)


def test_concurrent_cold_runs_share_one_cache(cache) -> None:
    """Runs started together each compile and write; every one succeeds, and the files are whole."""
    script = textwrap.dedent("""\
        import json, sys
        from kuberules.k8s.schema import SchemaValidator
        bad = json.loads(sys.argv[1])
        print(json.dumps([[p.message for p in SchemaValidator().errors(o)] for o in bad]))
        """)
    env = {**os.environ, "PYTHONPATH": str(Path(schema_module.__file__).parents[2]),
           schema_module.CACHE_ENV: str(cache)}
    arguments = [sys.executable, "-c", script, json.dumps(BAD)]
    runs = [subprocess.Popen(arguments, env=env, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    expected = [[p.message for p in SchemaValidator().errors(o)] for o in BAD]
    assert [json.loads(out) for out in outputs] == [expected] * 4
    files = sorted(cache.iterdir())
    assert len(files) == CACHED_KINDS and all(f.suffix == ".code" for f in files)
    for f in files:
        assert_whole(f)


def assert_whole(file: Path) -> None:
    data = file.read_bytes()
    assert hashlib.sha256(data[32:]).digest() == data[:32]
    assert isinstance(marshal.loads(data[32:]), types.CodeType)


def test_cache_directory_location(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(schema_module.CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert schema_module.cache_dir() == tmp_path / "home" / ".cache" / "kuberules"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert schema_module.cache_dir() == tmp_path / "home" / ".cache" / "kuberules"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert schema_module.cache_dir() == tmp_path / "xdg" / "kuberules"
    monkeypatch.setenv(schema_module.CACHE_ENV, str(tmp_path / "mine"))
    assert schema_module.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv(schema_module.CACHE_ENV, "")
    assert schema_module.cache_dir() is None


def test_cache_off_writes_nothing(uncached, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert every_answer() == uncached
    schema_module._compiled.cache_clear()
    assert list(tmp_path.iterdir()) == []


# --- cheap explanations ----------------------------------------------------------------


def test_explaining_skips_the_definitions_that_pass(cache, monkeypatch) -> None:
    """jsonschema is only walked through failing sub-trees, with the answer of walking them all."""
    validator = SchemaValidator()
    compiled = schema_module._compiled(validator.directory, "apps-v1-deployment.json")
    checks = schema_module._definition_checks(compiled.schema, compiled.functions)
    for definition in ("io.k8s.api.core.v1.PodSpec", "io.k8s.api.core.v1.Container",
                       "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"):
        assert checks[f"#/$defs/{definition}"] is compiled.functions[
            "validate____defs_" + definition.replace(".", "_").lower()]

    asked: list[str] = []
    real = schema_module._definition_checks

    def spied(schema, functions):
        def spy(ref, check):
            def run(instance):
                asked.append(ref)
                return check(instance)
            return run
        return {ref: spy(ref, check) for ref, check in real(schema, functions).items()}

    monkeypatch.setattr(schema_module, "_definition_checks", spied)
    obj = deployment(**{f"{CONTAINER}__ports__0__containerPort": "80"})
    obj["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "x"})
    walks_everything = jsonschema.Draft202012Validator(compiled.schema)
    assert validator.errors(obj) == schema_module._problems(walks_everything, obj) == [SchemaProblem(
        ("spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"),
        'spec.template.spec.containers[0].ports[0].containerPort: "80" is not of type integer', "type",
    )]
    assert asked.count("#/$defs/io.k8s.api.core.v1.Container") == 2  # the sidecar passes and is skipped
    assert "#/$defs/io.k8s.api.core.v1.ContainerPort" in asked


def test_the_jsonschema_validator_is_built_only_for_an_invalid_document(cache) -> None:
    validator = SchemaValidator()
    assert validator.errors(DEPLOYMENT) == [] and validator.is_valid(DEPLOYMENT)
    compiled = schema_module._compiled(validator.directory, "apps-v1-deployment.json")
    assert compiled._detailed is None
    assert validator.errors(deployment(spec__replicas="3"))
    assert compiled._detailed is not None


def test_message_paths_are_left_out_of_the_compiled_code() -> None:
    """The path arguments cost most of a valid document's time; none may survive the rewrite."""
    schema = schema_module._standalone(schemas_dir(), "apps-v1-deployment.json")
    source = schema_module.fastjsonschema.compile_to_code(schema, **schema_module._FAST_OPTIONS)
    assert source.count("**locals()") > 10
    rewritten = schema_module._without_message_paths(source)
    assert not [line for line in rewritten.splitlines()
                if "**locals()" in line and not line.lstrip().startswith("raise ")]  # messages stay
    assert 'custom_formats, (name_prefix or "data")' not in rewritten
    assert rewritten.count("\n") == source.count("\n")


# --- the stored files ------------------------------------------------------------------


def _extract_module():
    path = specs_dir() / "schemas" / "extract.py"
    spec = importlib.util.spec_from_file_location("kuberules_schema_extract", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stored_files_match_the_extraction_script() -> None:
    extract = _extract_module()
    assert extract.KUBERNETES_VERSION == KUBERNETES_VERSION
    assert len(extract.KINDS) == len(MINIMAL)
    for folder in (schemas_dir(), schemas_dir(strict=True)):
        names = {p.name for p in folder.glob("*.json")}
        assert names == {"_definitions.json"} | {extract.schema_file_name(a, k) for a, k, _ in extract.KINDS}
        for api_version, kind, _ in extract.KINDS:
            schema = json.loads((folder / extract.schema_file_name(api_version, kind)).read_text())
            assert schema["properties"]["apiVersion"]["enum"] == [api_version]
            assert schema["properties"]["kind"]["enum"] == [kind]


def test_stored_files_resolve_offline_with_referencing() -> None:
    """The recipe of specs/schemas/README.md: no network, no rewriting."""
    for folder in (schemas_dir(), schemas_dir(strict=True)):
        defs = json.loads((folder / "_definitions.json").read_text())
        registry = Registry().with_resource(defs["$id"], Resource.from_contents(defs))
        schema = json.loads((folder / "apps-v1-deployment.json").read_text())
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        assert list(validator.iter_errors(DEPLOYMENT)) == []
        bad = deployment(spec__replicas="3")
        assert [e.message for e in validator.iter_errors(bad)] == ["'3' is not of type 'integer', 'null'"]


def test_int_or_string_definitions_are_normalized() -> None:
    for folder in (schemas_dir(), schemas_dir(strict=True)):
        defs = json.loads((folder / "_definitions.json").read_text())["$defs"]
        int_or_string = defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
        assert int_or_string["type"] == ["string", "integer", "null"]
        assert int_or_string["x-kubernetes-int-or-string"] is True
        assert defs["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == ["string", "number", "null"]
        assert "oneOf" not in json.dumps(defs)


def test_stored_schemas_stay_small() -> None:
    folder = specs_dir() / "schemas"
    total = sum(p.stat().st_size for p in folder.rglob("*.json"))
    assert total < 2_000_000
