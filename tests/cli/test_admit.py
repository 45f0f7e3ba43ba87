"""kuberules admit, and admission findings in check --cluster, on examples/shop/admission."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from kuberules.resources import specs_dir

from .test_cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop" / "admission"
REPORTS, CLUSTER = str(EXAMPLE / "reports.yaml"), str(EXAMPLE / "cluster.yaml")


def test_admit_says_how_many_replicas_fit():
    code, out, _ = cli("admit", REPORTS, "--cluster", CLUSTER)
    assert code == 1
    assert out.splitlines() == [
        f"{REPORTS}:3: Deployment shop/reports: denied",
        '  ResourceQuota: 3 of 4 replicas fit: pods "reports-pod" is forbidden: exceeded quota: compute, '
        "requested: limits.cpu=500m,requests.cpu=250m, used: limits.cpu=4,requests.cpu=2, "
        "limited: limits.cpu=4,requests.cpu=2",
        "  LimitRanger plugin set: cpu, memory request for container reports; cpu, memory limit for container reports",
        "  ResourceQuota compute (status.used): requests.cpu 1250m -> 2 of 2, requests.memory 2Gi -> 2816Mi of 4Gi, "
        "limits.cpu 2500m -> 4 of 4, pods 5 -> 8 of 20",
        f"{REPORTS}:24: Service shop/reports: admitted",
        "2 object(s): 1 admitted, 1 denied",
    ]


def test_admit_json_matches_its_schema():
    code, out, _ = cli("admit", REPORTS, "--cluster", CLUSTER, "-o", "json")
    data = json.loads(out)
    schema = json.loads((specs_dir() / "admit-output.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    deployment = data["results"][0]
    assert (code, deployment["allowed"], deployment["replicas"]["fit"]) == (1, False, 3)
    assert deployment["pod"]["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}}
    assert deployment["quotas"][0]["usage_from"] == "status.used"


def test_admit_fits_when_the_quota_has_room(tmp_path):
    roomy = [d for d in yaml.safe_load_all(Path(CLUSTER).read_text()) if d]
    quota = next(d for d in roomy if d["kind"] == "ResourceQuota")
    quota["spec"]["hard"]["requests.cpu"] = quota["status"]["hard"]["requests.cpu"] = "3"
    quota["spec"]["hard"]["limits.cpu"] = quota["status"]["hard"]["limits.cpu"] = "6"
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all(roomy))
    code, out, _ = cli("admit", REPORTS, "--cluster", str(tmp_path / "cluster.yaml"))
    assert code == 0, out
    assert "  4 pod(s) (spec.replicas) admitted" in out.splitlines()


def test_admit_yaml_prints_what_the_api_server_would_store(tmp_path):
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
        "spec:\n  containers: [{name: c, image: 'x:1', resources: {limits: {cpu: '500m'}}}]\n")
    code, out, _ = cli("admit", str(tmp_path / "pod.yaml"), "--cluster", CLUSTER, "-o", "yaml")
    pod = yaml.safe_load(out)
    assert code == 0
    # the request defaults to the limit (API defaulting), memory comes from the LimitRange
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "500m", "memory": "256Mi"}}
    assert "memory request" in pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"]


def test_admit_bad_input_is_located(tmp_path):
    (tmp_path / "bad.yaml").write_text("kind: Pod\nmetadata: [\n")
    code, _, err = cli("admit", str(tmp_path / "bad.yaml"))
    assert code == 2 and f"{tmp_path / 'bad.yaml'}:" in err


def test_check_with_a_cluster_reports_what_admission_refuses(tmp_path):
    code, out, _ = cli("check", REPORTS, "--cluster", CLUSTER, "--rule", "kubernetes.admission.*", "-o", "json")
    problems = json.loads(out)["problems"]
    assert code == 1
    assert [(p["line"], p["rule"]) for p in problems] == [(3, "kubernetes.admission.resourcequota")]
    assert problems[0]["message"].startswith("ResourceQuota: 3 of 4 replicas fit")
    greedy = tmp_path / "greedy.yaml"
    greedy.write_text(Path(REPORTS).read_text().replace(
        "          ports:", "          resources: {limits: {cpu: '3'}}\n          ports:"))
    _, out, _ = cli("check", str(greedy), "--cluster", CLUSTER, "--rule", "kubernetes.admission.*", "-o", "json")
    problems = json.loads(out)["problems"]
    assert [(p["line"], p["path"]) for p in problems] == [(19, "spec.template.spec.containers[0]")]
    assert problems[0]["message"] == ("LimitRange/container-defaults: its pods would be refused: "
                                      "maximum cpu usage per Container is 2, but limit is 3")


def test_an_undecodable_quantity_is_a_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
                   "spec:\n  containers: [{name: c, image: 'x:1', resources: {limits: {cpu: lots}}}]\n")
    code, out, err = cli("admit", str(bad), "--cluster", CLUSTER, "-o", "json")
    assert (code, out) == (2, "")
    assert err == (f"error: {bad}:1: Pod shop/p: cannot be admitted: quantities must match the regular expression "
                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n")
    code, out, _ = cli("check", str(bad), "--cluster", CLUSTER, "--rule", "kubernetes.admission.*", "-o", "json")
    problems = json.loads(out)["problems"]
    assert code == 1 and [(p["line"], p["effect"]) for p in problems] == [(1, "error")]


BAD_RANGE = ("apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: shop}\n"
             "spec:\n  limits: [{type: Container, min: {cpu: '2'}, max: {cpu: '1'}}]\n")


def test_an_invalid_limitrange_in_the_snapshot_is_an_input_error(tmp_path):
    (tmp_path / "cluster.yaml").write_text(BAD_RANGE)
    code, out, err = cli("admit", REPORTS, "--cluster", str(tmp_path / "cluster.yaml"))
    assert (code, out) == (2, "")
    assert err == (f"error: {tmp_path / 'cluster.yaml'}:1: LimitRange shop/lr: spec.limits[0].min[cpu]: "
                   'Invalid value: "2": min value 2 is greater than max value 1\n')
    code, out, _ = cli("check", REPORTS, "--cluster", str(tmp_path / "cluster.yaml"), "-o", "json")
    assert code == 2 and "min value 2 is greater than max value 1" in json.loads(out)["input_errors"][0]


def test_an_invalid_limitrange_in_the_manifests_is_denied(tmp_path):
    (tmp_path / "lr.yaml").write_text(BAD_RANGE)
    code, out, _ = cli("admit", str(tmp_path / "lr.yaml"), "--cluster", CLUSTER, "-o", "json")
    result = json.loads(out)["results"][0]
    assert (code, result["allowed"]) == (1, False)
    assert result["reasons"] == [{"plugin": "Validation", "source": "LimitRange/lr", "message": (
        'LimitRange "lr" is invalid: spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than '
        "max value 1")}]
