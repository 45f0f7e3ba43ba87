"""Benchmark: `property` blocks, examples per second, for a typical property of each area.

For each of policies/kubernetes/{limitrange,resourcequota,rbac,networkpolicy,lifecycle}.rules it
takes one property (the first of the file, or `-k`), and in this process measures:

1. floor: the same property with its check replaced by `true` (drawing the examples, evaluating
   generator arguments and assumes: what hypothesis and the strategies cost);
2. property: the property itself, examples per second and the ratio to the floor (what
   evaluating the check through the rules costs on top of generating its inputs).

Both run the same number of examples from the same seed, so they draw the same values.

    python bench/bench_prove.py
    python bench/bench_prove.py --examples 100 --json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "engine"))

from kuberules import prove  # noqa: E402
from kuberules.resources import policies_dir  # noqa: E402

AREAS = ("limitrange", "resourcequota", "rbac", "networkpolicy", "lifecycle")
FLOOR = "floor of "


def with_floor(directory: Path, area: str, prop: prove.CompiledProperty) -> None:
    """Append to the area's file (in a copy of policies/kubernetes) the property's twin whose check
    is `true`: the same draws and assumes, so the same examples, and no check to evaluate."""
    decl = prop.decl
    source = decl.span.source.text
    head = source[decl.span.start:decl.check.span.start]
    name = f'"{decl.name}"'
    assert head.count(name) == 1, head
    twin = head.replace(name, f'"{FLOOR}{decl.name}"', 1) + "check true\n"
    path = directory / f"{area}.rules"
    path.write_text(path.read_text() + "\n" + twin)


def timed(prop: prove.CompiledProperty, examples: int, seed: int) -> tuple[float, int]:
    start = time.perf_counter()
    result = prove.run_property(prop, examples=examples, seed=seed)
    elapsed = time.perf_counter() - start
    if not result.passed:
        raise SystemExit(f"{prop.id} failed: {prove.report(result)}")
    return elapsed, result.examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-k", dest="keyword", help="which property of each area (default: the first)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="kuberules-prove-bench-") as tmp:
        copy = Path(tmp) / "kubernetes"
        shutil.copytree(policies_dir() / "kubernetes", copy)
        chosen = {}
        for area in AREAS:
            found = prove.select(prove.load(copy / f"{area}.rules").properties(entry_only=True), args.keyword)
            if found:
                chosen[area] = found[0]
                with_floor(copy, area, found[0])
        for area, original in chosen.items():
            props = {p.name: p for p in prove.load(copy / f"{area}.rules").properties(entry_only=True)}
            prop, floor = props[original.name], props[FLOOR + original.name]
            for warm in (floor, prop):  # strategies built, rules compiled, caches filled: not measured
                timed(warm, 10, args.seed)
            floor_s, floor_n = timed(floor, args.examples, args.seed)
            prop_s, prop_n = timed(prop, args.examples, args.seed)
            rows.append({"area": area, "property": prop.name, "examples": prop_n,
                         "examples_per_s": round(prop_n / prop_s, 1), "floor_per_s": round(floor_n / floor_s, 1),
                         "ratio": round(prop_s / floor_s, 2)})
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            print(f"{row['area']:<14} {row['examples_per_s']:>7.1f} examples/s  (floor {row['floor_per_s']:.1f}/s, "
                  f"x{row['ratio']})  {row['property']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
