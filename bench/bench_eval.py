"""Benchmark: rule evaluation against the cost of parsing the same YAML.

Generates a seeded corpus of manifests (bench/corpus.py), dumps it to YAML
once, then measures in this one process, best of N runs each:

1. parse: `yaml.load_all(text, Loader=yaml.CSafeLoader)`, the floor any
   tool reading manifests pays;
2. evaluate: `policy.evaluate(obj)` over every parsed object with the rule
   set in bench/rules (20 rules).

and prints documents/s for both, the findings count and the ratio
evaluation_time / parse_time (the target is <= 1.0), then the slowest rules,
each timed alone over the whole corpus.

    python bench/bench_eval.py                       # 10,000 objects
    python bench/bench_eval.py --objects 2000 --json
    python bench/bench_eval.py --profile 25          # cProfile the evaluation

Runs after `pip install .`, or from a checkout with PYTHONPATH=engine (the
script also finds ../engine by itself when kuberules is not installed).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import platform
import pstats
import sys
import time
from importlib import metadata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for `corpus` when imported from elsewhere

try:
    import kuberules
except ImportError:  # a checkout without PYTHONPATH=engine
    sys.path.insert(0, str(HERE.parent / "engine"))
    import kuberules

from corpus import dump, generate  # noqa: E402

from kuberules import Engine  # noqa: E402
from kuberules.runtime.frame import Budget  # noqa: E402

Loader = getattr(yaml, "CSafeLoader", None)


def engine_version() -> str:
    try:
        return metadata.version("kuberules")
    except metadata.PackageNotFoundError:
        return "(checkout)"


def best_of(repeat: int, fn) -> tuple[float, object]:
    """The shortest wall time of `repeat` calls, and the last result. The
    garbage collector stays on (it is part of the real cost) but starts each
    run from a clean heap."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def parse_all(text: str) -> list:
    return list(yaml.load_all(text, Loader=Loader))


def evaluate_all(policy, objects: list) -> int:
    evaluate = policy.evaluate
    count = 0
    for obj in objects:
        count += len(evaluate(obj))
    return count


def evaluate_rule(policy, rule, objects: list) -> int:
    """`policy.evaluate` restricted to one rule: the same index lookup,
    `applies` filter and run, with one budget per object (for engines
    without `Policy.restrict`)."""
    out: list = []
    rules_for, run, limit = policy.rules_for, policy._run, policy.step_limit
    for obj in objects:
        kind = obj.get("kind") if type(obj) is dict else None
        if rule in rules_for(kind if type(kind) is str else "") and rule.applies(obj, None):
            run(rule, Budget(limit), obj, None, None, None, out)
    return len(out)


def per_rule(policy, objects: list, repeat: int) -> list[dict]:
    """Each rule timed alone over the whole corpus, slowest first."""
    rows = []
    for rule in policy.rules:
        if hasattr(policy, "restrict"):
            alone = policy.restrict(lambda r, rule=rule: r is rule)
            seconds, findings = best_of(repeat, lambda alone=alone: evaluate_all(alone, objects))
        else:
            seconds, findings = best_of(repeat, lambda rule=rule: evaluate_rule(policy, rule, objects))
        matched = sum(1 for o in objects if type(o) is dict and rule in policy.rules_for(o.get("kind") or ""))
        rows.append({"rule": rule.rule_id, "seconds": seconds, "findings": findings, "objects": matched})
    rows.sort(key=lambda r: -r["seconds"])
    return rows


def profile(policy, objects: list, limit: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    evaluate_all(policy, objects)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--objects", type=int, default=10_000, help="corpus size (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept (default 3)")
    ap.add_argument("--rules", default=str(HERE / "rules"), help="rule files or directory")
    ap.add_argument("--top", type=int, default=5, help="slowest rules to show (default 5; 0: none)")
    ap.add_argument("--rule-repeat", type=int, default=3, help="runs per rule for the breakdown (default 3)")
    ap.add_argument("--profile", type=int, metavar="N", default=0,
                    help="also cProfile one evaluation pass and print the top N functions")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = ap.parse_args(argv)
    if Loader is None:
        print("warning: PyYAML has no libyaml (CSafeLoader); the parse floor uses the pure-Python loader",
              file=sys.stderr)

    policy = Engine().load(args.rules)
    objects = generate(args.objects, args.seed)
    text = dump(objects)
    del objects

    parse_s, parsed = best_of(args.repeat, lambda: parse_all(text))
    eval_s, findings = best_of(args.repeat, lambda: evaluate_all(policy, parsed))
    n = len(parsed)
    ratio = eval_s / parse_s if parse_s else float("inf")

    print(f"kuberules {engine_version()} from {Path(kuberules.__file__).parent} on Python "
          f"{platform.python_version()}")
    print(f"rules:        {len(policy.rules)} ({args.rules})")
    print(f"objects:      {n} ({len(text) / 1e6:.1f} MB of YAML, {len(text) / max(n, 1):.0f} bytes/doc, "
          f"seed {args.seed})")
    best = f"best of {args.repeat}"
    print(f"parse:        {parse_s:8.3f} s  {n / parse_s:10,.0f} docs/s   (yaml CSafeLoader, {best})")
    print(f"evaluate:     {eval_s:8.3f} s  {n / eval_s:10,.0f} docs/s   (policy.evaluate, {best})")
    print(f"findings:     {findings}")
    verdict = "ok" if ratio <= 1.0 else "over target"
    print(f"ratio:        {ratio:.3f}  evaluation_time / parse_time (target <= 1.0: {verdict})")

    rows: list[dict] = []
    if args.top > 0:
        rows = per_rule(policy, parsed, args.rule_repeat)
        total = sum(r["seconds"] for r in rows)
        print(f"\nslowest rules, each evaluated alone over all objects (sum of all {len(rows)}: "
              f"{total:.3f} s; each alone pays the per-object overhead again):")
        for r in rows[: args.top]:
            print(f"  {r['rule']:<44} {r['seconds'] * 1e3:8.1f} ms  {r['seconds'] / total:6.1%}  "
                  f"{r['objects']:6d} objects  {r['findings']:6d} findings")

    if args.profile:
        print()
        print(profile(policy, parsed, args.profile))

    if args.json:
        print(json.dumps({
            "objects": n,
            "rules": len(policy.rules),
            "yaml_bytes": len(text),
            "seed": args.seed,
            "repeat": args.repeat,
            "parse_seconds": round(parse_s, 6),
            "parse_docs_per_second": round(n / parse_s, 1),
            "eval_seconds": round(eval_s, 6),
            "eval_docs_per_second": round(n / eval_s, 1),
            "findings": findings,
            "ratio": round(ratio, 4),
            "slowest_rules": [{**r, "seconds": round(r["seconds"], 6)} for r in rows[: args.top]],
        }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
