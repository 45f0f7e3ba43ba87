"""Benchmark: NetworkPolicy answers over a generated application.

Generates 200 workloads (1,000 pods: 5 replicas each) in 20 namespaces with
200 NetworkPolicies (default-deny in some namespaces, allow rules by pod and
namespace selectors, named and numbered ports, a few ipBlocks), writes them as
YAML, and measures in this process:

1. parse: the CSafeLoader parse of the file (the floor);
2. matrix: `kuberules netpol matrix` work (reading, endpoints, every pair's
   open ports), its time and the ratio to the parse (goal: under 5 s);
3. reach: `kubernetes.networkpolicy.reach` queries per second.

    python bench/bench_netpol.py
    python bench/bench_netpol.py --workloads 40 --namespaces 5 --policies 40
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

from kuberules.cli.netpol import _matrix, _Network  # noqa: E402

APPS = ["web", "api", "db", "cache", "worker", "auth", "search", "billing", "mail", "queue"]


def manifests(workloads: int, namespaces: int, policies: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = [f"team-{i}" for i in range(namespaces)]
    out: list[dict] = [{"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": ns, "labels": {"tier": rng.choice(["front", "back"])}}} for ns in names]
    for i in range(workloads):
        app = APPS[i % len(APPS)]
        labels = {"app": app, "release": f"r{i % 3}"}
        out.append({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": f"{app}-{i}", "namespace": names[i % namespaces]},
                    "spec": {"replicas": 5, "selector": {"matchLabels": labels},
                             "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                                 {"name": app, "image": f"registry.example.com/{app}:1.0",
                                  "ports": [{"name": "http", "containerPort": 8080},
                                            {"name": "metrics", "containerPort": 9090}]}]}}}})
    for i in range(policies):
        ns = names[i % namespaces]
        if i < namespaces // 2:
            spec: dict = {"podSelector": {}, "policyTypes": ["Ingress"]}
        else:
            peer = rng.choice([{"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}},
                               {"namespaceSelector": {"matchLabels": {"tier": "front"}}},
                               {"namespaceSelector": {"matchLabels": {"tier": "back"}},
                                "podSelector": {"matchLabels": {"app": rng.choice(APPS)}}},
                               {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}])
            spec = {"podSelector": {"matchLabels": {"app": rng.choice(APPS)}},
                    "ingress": [{"from": [peer], "ports": [{"port": rng.choice(["http", 8080, 9090])}]}]}
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": f"np-{i}", "namespace": ns}, "spec": spec})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--policies", type=int, default=200)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kuberules-netpol-bench-") as tmp:
        path = Path(tmp) / "app.yaml"
        path.write_text(yaml.safe_dump_all(manifests(args.workloads, args.namespaces, args.policies, args.seed),
                                           sort_keys=False))
        start = time.perf_counter()
        sum(1 for d in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader) if d)
        parse = time.perf_counter() - start
        start = time.perf_counter()
        net = _Network([str(path)])
        pairs = _matrix(net)
        matrix = time.perf_counter() - start
    rng = random.Random(args.seed)
    names = sorted(net.endpoints)
    asks = [(net.endpoints[rng.choice(names)], net.endpoints[rng.choice(names)], rng.choice([8080, 9090, 22]))
            for _ in range(args.queries)]
    start = time.perf_counter()
    allowed = sum(net.query("reach", src, dst, port, "TCP")["allowed"] for src, dst, port in asks)
    reach = time.perf_counter() - start
    row = {"workloads": args.workloads, "pods": args.workloads * 5, "policies": args.policies,
           "parse_s": round(parse, 3), "matrix_s": round(matrix, 2), "matrix_over_parse": round(matrix / parse, 1),
           "pairs": len(pairs), "reach_per_s": round(args.queries / reach), "allowed": allowed}
    if args.json:
        print(json.dumps(row))
    else:
        print(f"{args.workloads} workloads ({row['pods']} pods), {args.namespaces} namespaces, {args.policies} "
              f"policies: matrix {matrix:.2f} s over {len(pairs):,} pairs "
              f"(parse {parse:.3f} s, x{row['matrix_over_parse']}); "
              f"reach {row['reach_per_s']:,}/s ({allowed} of {args.queries} allowed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
