"""Benchmark: label selector matching and quantity parsing.

Measures in this one process, best of N runs each (N = 3 unless --repeat):

1. selector matches: a realistic three-requirement selector, parsed once,
   matched against 10,000 seeded label sets; the floor is the same three
   checks written as a plain Python function;
2. quantity parses: `Quantity.parse` of 10,000 seeded, realistic quantity
   strings (CPU and memory requests as manifests write them); the floor is
   upstream's quantity regular expression matched against each string.

and prints operations/s for each and the ratio to its floor.

    python bench/bench_values.py
    python bench/bench_values.py --n 2000 --json

Runs after `pip install .`, or from a checkout with PYTHONPATH=engine (the
script also finds ../engine by itself when kuberules is not installed).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

try:
    import kuberules
except ImportError:  # a checkout without PYTHONPATH=engine
    sys.path.insert(0, str(HERE.parent / "engine"))
    import kuberules

from kuberules.k8s.labels import parse_selector  # noqa: E402
from kuberules.k8s.quantity import Quantity  # noqa: E402

SELECTOR = "app.kubernetes.io/name in (api,web),environment!=dev,!legacy"
SEED = 20240601


def label_sets(n: int, rng: random.Random) -> list[dict[str, str]]:
    """Label sets as Deployments and Pods carry them: 2 to 7 labels from common keys."""
    names = ["web", "api", "worker", "db", "cache", "frontend", "ingress"]
    optional = {
        "environment": ["prod", "staging", "dev"],
        "tier": ["frontend", "backend", "data"],
        "app.kubernetes.io/version": ["1.0.0", "1.2.3", "2.0.1"],
        "app.kubernetes.io/part-of": ["shop", "billing"],
        "team": ["payments", "search", "platform"],
        "legacy": ["true", ""],
        "pod-template-hash": ["5d8f7c9b4", "7b9c6d5f8"],
    }
    sets = []
    for _ in range(n):
        labels = {"app.kubernetes.io/name": rng.choice(names)}
        for key in rng.sample(sorted(optional), rng.randint(1, 6)):
            labels[key] = rng.choice(optional[key])
        sets.append(labels)
    return sets


def quantity_strings(n: int, rng: random.Random) -> list[str]:
    """Requests and limits as manifests write them: millicores, Mi/Gi, plain numbers, exponents."""
    makers: list[Callable[[], str]] = [
        lambda: f"{rng.choice([50, 100, 125, 250, 500, 750, 1500])}m",
        lambda: str(rng.choice([1, 2, 4, 8, 16])),
        lambda: f"{rng.choice([0.1, 0.25, 0.5, 1.5, 2.5])}",
        lambda: f"{rng.choice([64, 128, 256, 512, 768, 1024, 2048])}Mi",
        lambda: f"{rng.choice([1, 2, 4, 8, 16, 32])}Gi",
        lambda: f"{rng.choice([1.5, 2.5, 0.5])}Gi",
        lambda: f"{rng.choice([100, 500])}M",
        lambda: f"{rng.choice([1, 10, 20])}G",
        lambda: f"{rng.randint(1, 999)}e6",
        lambda: str(rng.randint(10**6, 10**10)),
    ]
    return [rng.choice(makers)() for _ in range(n)]


def best_of(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure(n: int, repeat: int) -> dict[str, object]:
    rng = random.Random(SEED)
    sets = label_sets(n, rng)
    texts = quantity_strings(n, rng)
    selector = parse_selector(SELECTOR)

    def floor_match(labels: dict[str, str]) -> bool:  # the same three requirements, by hand
        return (
            labels.get("app.kubernetes.io/name") in ("api", "web")
            and labels.get("environment") != "dev"
            and "legacy" not in labels
        )

    matched = sum(map(selector.matches, sets))
    assert matched == sum(map(floor_match, sets)), "the floor must select what the selector selects"
    match_time = best_of(repeat, lambda: [selector.matches(s) for s in sets])
    match_floor = best_of(repeat, lambda: [floor_match(s) for s in sets])

    quantity_re = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
    parse_time = best_of(repeat, lambda: [Quantity.parse(t) for t in texts])
    parse_floor = best_of(repeat, lambda: [quantity_re.match(t) for t in texts])

    return {
        "kuberules": getattr(kuberules, "__version__", "(checkout)"),
        "python": platform.python_version(),
        "n": n,
        "repeat": repeat,
        "selector": SELECTOR,
        "label_sets_matched": matched,
        "selector_matches_per_second": round(n / match_time),
        "selector_match_floor_per_second": round(n / match_floor),
        "selector_match_ratio_to_floor": round(match_time / match_floor, 2),
        "quantity_parses_per_second": round(n / parse_time),
        "quantity_parse_floor_per_second": round(n / parse_floor),
        "quantity_parse_ratio_to_floor": round(parse_time / parse_floor, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="label sets and quantity strings (10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    result = measure(args.n, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"selector    {result['selector']}")
    print(f"  matches/s {result['selector_matches_per_second']:>12,}  "
          f"({result['label_sets_matched']:,} of {args.n:,} label sets match; best of {args.repeat})")
    print(f"  floor     {result['selector_match_floor_per_second']:>12,}  "
          f"(the same checks as a plain function)  ratio {result['selector_match_ratio_to_floor']}")
    print("quantities")
    print(f"  parses/s  {result['quantity_parses_per_second']:>12,}  "
          f"({args.n:,} strings; best of {args.repeat})")
    print(f"  floor     {result['quantity_parse_floor_per_second']:>12,}  "
          f"(upstream's regular expression alone)  ratio {result['quantity_parse_ratio_to_floor']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
