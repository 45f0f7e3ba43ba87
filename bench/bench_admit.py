"""Benchmark: `kuberules admit` of many pods against a namespace with LimitRanges and quotas.

Writes N pods (default 10,000; 1 to 3 containers, some with requests and
limits, some relying on LimitRange defaults) into one namespace, and a
snapshot with 5 LimitRanges (Container and Pod items: defaults, min, max,
ratios) and 10 ResourceQuotas (pods, requests and limits of cpu and memory,
ephemeral storage, extended resources; some scoped) sized so that most pods
fit. Then times, each in a fresh process (start-up counts):

1. admit: `python -m kuberules admit PODS --cluster SNAPSHOT -o json`;
2. parse: the CSafeLoader parse of the same pod file (the floor).

and prints pods/s, both times, their ratio and admit's peak memory.

    python bench/bench_admit.py                 # 10,000 pods
    python bench/bench_admit.py --pods 2000 --runs 3 --json
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import HELPER, child_env  # noqa: E402

NAMESPACE = "bench"


def pods(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        containers = []
        for c in range(rng.randint(1, 3)):
            container = {"name": f"c{c}", "image": f"registry.example.com/app{c}:1.{i % 7}"}
            if rng.random() < 0.6:
                cpu = rng.choice([50, 100, 150, 250])
                mem = rng.choice([32, 64, 128])
                container["resources"] = {"requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"},
                                          "limits": {"cpu": f"{cpu * 2}m", "memory": f"{mem * 2}Mi"}}
            containers.append(container)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": f"pod-{i:06d}", "namespace": NAMESPACE, "labels": {"app": f"a{i % 50}"}},
               "spec": {"containers": containers}}
        if rng.random() < 0.2:
            pod["spec"]["priorityClassName"] = rng.choice(["high", "low"])
        out.append(pod)
    return out


def snapshot(n: int) -> list[dict]:
    objs: list[dict] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}]
    for i in range(5):
        objs.append({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": f"lr-{i}", "namespace": NAMESPACE},
                     "spec": {"limits": [
                         {"type": "Container", "default": {"cpu": f"{200 + 10 * i}m", "memory": f"{128 + i}Mi"},
                          "defaultRequest": {"cpu": f"{100 + 10 * i}m", "memory": f"{64 + i}Mi"},
                          "min": {"cpu": "10m"}, "max": {"cpu": "4", "memory": "4Gi"},
                          "maxLimitRequestRatio": {"cpu": "10"}},
                         {"type": "Pod", "max": {"cpu": "16", "memory": "16Gi"}}]}})
    big = n * 3
    hards = [
        {"pods": str(n + 10)},
        {"requests.cpu": str(big), "requests.memory": f"{big}Gi"},
        {"limits.cpu": str(big * 2), "limits.memory": f"{big * 2}Gi"},
        {"cpu": str(big), "memory": f"{big}Gi"},
        {"requests.ephemeral-storage": "100Ti", "count/pods": str(n + 10)},
        {"requests.example.com/gpu": "10"},
        {"pods": str(n)},
        {"requests.cpu": str(big)},
        {"limits.memory": f"{big * 2}Gi"},
        {"pods": str(n + 10)},
    ]
    for i, hard in enumerate(hards):
        quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": f"q-{i}", "namespace": NAMESPACE},
                 "spec": {"hard": hard}, "status": {"hard": hard, "used": dict.fromkeys(hard, "0")}}
        if i == 6:
            quota["spec"]["scopes"] = ["NotBestEffort"]
        if i == 9:
            quota["spec"]["scopeSelector"] = {"matchExpressions": [
                {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}
        objs.append(quota)
    return objs


PARSE = "import sys, yaml; print(sum(1 for d in yaml.load_all(open(sys.argv[1], 'rb').read(), " \
        "Loader=yaml.CSafeLoader) if d))"


def measure(cmd: list[str], out: Path, env: dict, timeout: float) -> dict:
    result = subprocess.run([sys.executable, "-c", HELPER, json.dumps([cmd, str(out), timeout])],
                            capture_output=True, text=True, env=env, check=True)
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    env, origin = child_env()
    with tempfile.TemporaryDirectory(prefix="kuberules-admit-bench-") as tmp:
        root = Path(tmp)
        (root / "pods.yaml").write_text(yaml.safe_dump_all(pods(args.pods, args.seed), sort_keys=False))
        (root / "cluster.yaml").write_text(yaml.safe_dump_all(snapshot(args.pods), sort_keys=False))
        admit_cmd = [sys.executable, "-m", "kuberules", "admit", str(root / "pods.yaml"),
                     "--cluster", str(root / "cluster.yaml"), "-o", "json"]
        admits = [measure(admit_cmd, root / "out.json", env, args.timeout) for _ in range(args.runs)]
        parses = [measure([sys.executable, "-c", PARSE, str(root / "pods.yaml")], root / "parse.txt", env,
                          args.timeout) for _ in range(args.runs)]
        summary = json.loads((root / "out.json").read_text())["summary"]
    admit = min(r["wall"] for r in admits)
    parse = min(r["wall"] for r in parses)
    row = {"pods": args.pods, "admit_s": round(admit, 3), "parse_s": round(parse, 3),
           "ratio": round(admit / parse, 2), "pods_per_s": round(args.pods / admit),
           "admit_mb": max(r["peak_kb"] for r in admits) // 1024, "admitted": summary["admitted"],
           "denied": summary["denied"], "runs": args.runs}
    if args.json:
        print(json.dumps(row))
    else:
        print(f"kuberules admit from {origin}; {args.pods:,} pods, 5 LimitRanges, 10 ResourceQuotas")
        print(f"admit {admit:.2f} s ({row['pods_per_s']:,} pods/s, {row['admit_mb']} MB), "
              f"parse {parse:.2f} s, admit/parse {row['ratio']:.2f}; "
              f"{summary['admitted']:,} admitted, {summary['denied']:,} denied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
