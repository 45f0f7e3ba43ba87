"""Tests for kuberules.k8s.schema: manifests against the Kubernetes JSON Schemas in specs/schemas/."""

from __future__ import annotations

import copy
import datetime
import importlib.util
import json
import textwrap

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
    validator = SchemaValidator(strict=is_strict)
    checked = disagreements = 0
    for base in [DEPLOYMENT, SERVICE, *MINIMAL[5:]]:
        compiled = schema_module._compiled(validator.directory, validator._file(base))
        for i, mutate in enumerate(_mutations(base)):
            obj = mutate(base)
            checked += 1
            if compiled.passes(obj) != compiled.detailed.is_valid(obj):
                disagreements += 1
                print(json.dumps(obj, default=str))
            if i % 10 == 0:  # and is_valid() is errors() == [] (a sample: messages cost more)
                assert validator.is_valid(obj) == (validator.errors(obj) == [])
    assert checked > 2000
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
