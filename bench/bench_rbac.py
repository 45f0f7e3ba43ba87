"""Benchmark: RBAC answers over a large snapshot, through the Python API.

Generates a snapshot of 2,000 roles (ClusterRoles and Roles in 50 namespaces)
and 10,000 bindings (RoleBindings and ClusterRoleBindings to users, groups
and service accounts), writes it as YAML, and measures in this process:

1. parse: `yaml.load_all(..., Loader=yaml.CSafeLoader)` of the file (the floor);
2. index: reading it as kuberules does (`read_located`, positions and all)
   plus building the ClusterView with its binding index (the first query);
3. can-i: `kubernetes.rbac.authorize` for generated users and requests,
   as queries per second after indexing (goal: 20,000/s);
4. who-can: `kubernetes.rbac.who_can` for one request.

    python bench/bench_rbac.py
    python bench/bench_rbac.py --bindings 2000 --roles 400 --queries 500 --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "engine"))

from kuberules import ClusterView, Engine  # noqa: E402
from kuberules.k8s.load import read_located  # noqa: E402
from kuberules.resources import policies_dir  # noqa: E402

VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
RESOURCES = [("", "pods"), ("", "secrets"), ("", "configmaps"), ("", "services"), ("apps", "deployments"),
             ("apps", "statefulsets"), ("batch", "jobs"), ("", "pods/log"), ("", "pods/exec")]
GROUP = "rbac.authorization.k8s.io"


def snapshot(roles: int, bindings: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    namespaces = [f"ns-{i}" for i in range(50)]
    out: list[dict] = []
    role_refs = []
    for i in range(roles):
        rules = []
        for _ in range(rng.randint(1, 4)):
            group, resource = rng.choice(RESOURCES)
            rules.append({"apiGroups": [group], "resources": [resource], "verbs": rng.sample(VERBS, rng.randint(1, 3))})
        if i % 4 == 0:
            out.append({"apiVersion": f"{GROUP}/v1", "kind": "ClusterRole", "metadata": {"name": f"cr-{i}"},
                        "rules": rules})
            role_refs.append(("ClusterRole", f"cr-{i}", None))
        else:
            ns = rng.choice(namespaces)
            out.append({"apiVersion": f"{GROUP}/v1", "kind": "Role", "metadata": {"name": f"r-{i}", "namespace": ns},
                        "rules": rules})
            role_refs.append(("Role", f"r-{i}", ns))
    for i in range(bindings):
        kind, name, ns = rng.choice(role_refs)
        who = rng.random()
        if who < 0.5:
            subject = {"kind": "User", "apiGroup": GROUP, "name": f"user-{rng.randrange(2000)}"}
        elif who < 0.7:
            subject = {"kind": "Group", "apiGroup": GROUP, "name": f"team-{rng.randrange(100)}"}
        else:
            subject = {"kind": "ServiceAccount", "name": f"sa-{rng.randrange(500)}",
                       "namespace": rng.choice(namespaces)}
        ref = {"apiGroup": GROUP, "kind": kind, "name": name}
        if kind == "ClusterRole" and i % 10 == 0:
            out.append({"apiVersion": f"{GROUP}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": f"crb-{i}"},
                        "subjects": [subject], "roleRef": ref})
        else:
            out.append({"apiVersion": f"{GROUP}/v1", "kind": "RoleBinding",
                        "metadata": {"name": f"rb-{i}", "namespace": ns or rng.choice(namespaces)},
                        "subjects": [subject], "roleRef": ref})
    return out


def requests(n: int, seed: int) -> list[tuple[str, list[str], dict]]:
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        group, resource = rng.choice(RESOURCES)
        base, _, sub = resource.partition("/")
        if rng.random() < 0.3:
            ns = f"ns-{rng.randrange(50)}"
            name, groups = f"system:serviceaccount:{ns}:sa-{rng.randrange(500)}", []
        else:
            name, groups = f"user-{rng.randrange(2000)}", [f"team-{rng.randrange(100)}"]
        out.append((name, groups, {"verb": rng.choice(VERBS), "apiGroup": group, "resource": base,
                                   "subresource": sub, "name": "", "namespace": f"ns-{rng.randrange(50)}"}))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=2_000)
    parser.add_argument("--bindings", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kuberules-rbac-bench-") as tmp:
        path = Path(tmp) / "rbac.yaml"
        path.write_text(yaml.safe_dump_all(snapshot(args.roles, args.bindings, args.seed), sort_keys=False))
        start = time.perf_counter()
        parsed = sum(1 for d in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader) if d)
        parse = time.perf_counter() - start
        policy = Engine().load(policies_dir() / "kubernetes")
        start = time.perf_counter()
        view = ClusterView([d.object for d in read_located([str(path)])])
        view.lookup("RoleBinding", None, "subjects.name", [])
        view.lookup("ClusterRoleBinding", None, "subjects.name", [])
        index = time.perf_counter() - start
    asks = [(policy.query("kubernetes.rbac.user", name, groups), request)
            for name, groups, request in requests(args.queries, args.seed)]
    start = time.perf_counter()
    allowed = sum(policy.query("kubernetes.rbac.authorize", user, request, cluster=view)["allowed"]
                  for user, request in asks)
    can_i = time.perf_counter() - start
    start = time.perf_counter()
    subjects = policy.query("kubernetes.rbac.who_can", asks[0][1], cluster=view)
    who_can = time.perf_counter() - start
    row = {"objects": parsed, "parse_s": round(parse, 3), "index_s": round(index, 3),
           "index_over_parse": round(index / parse, 2), "can_i_per_s": round(args.queries / can_i),
           "allowed": allowed, "queries": args.queries, "who_can_s": round(who_can, 3),
           "who_can_subjects": len(subjects)}
    if args.json:
        print(json.dumps(row))
    else:
        print(f"{args.roles:,} roles, {args.bindings:,} bindings: parse {parse:.2f} s, index {index:.2f} s "
              f"(x{row['index_over_parse']} of the parse); can-i {row['can_i_per_s']:,}/s over {args.queries:,} "
              f"queries ({allowed:,} allowed); who-can {who_can * 1000:.0f} ms ({len(subjects)} subjects)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
