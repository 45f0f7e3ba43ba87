"""Benchmark: `kuberules check` end to end against the cost of parsing the same YAML.

For each corpus size (1,000, 10,000 and 100,000 documents by default) writes a
seeded corpus of manifests (bench/corpus.py) to a temporary directory as many
YAML files (100 documents each, ten files a folder, like a repository), then
measures, each run in a fresh process so that start-up and imports count:

1. check: `python -m kuberules check DIR -o json` with the bundled policy
   library (no -p): its wall time, best of N runs (default 3 below 100,000
   documents, 1 from there), and its peak resident memory;
2. parse: a process that only reads the same files and parses them with
   `yaml.load_all(..., Loader=yaml.CSafeLoader)`, dropping each file's
   documents once counted: the floor any tool reading the manifests pays
   (also best of N, and its peak memory);

and prints documents, both times, the ratio check/parse (the target is
<= 2.0 at 10,000 documents), both peaks, documents/s and the problems found.
The corpus is removed afterwards (kept with --keep DIR).

Each run is started by a small helper process that times it and then reads
the child's peak memory with `getrusage(RUSAGE_CHILDREN)`: a fresh helper per
run, so the figure is that run's alone.

    python bench/bench_check.py                         # 1k, 10k and 100k
    python bench/bench_check.py --sizes 1000,10000 --json
    python bench/bench_check.py --sizes 100k --timeout 900

Measures the kuberules this Python imports (installed, or on PYTHONPATH), with
the environment untouched; from a checkout where it is not importable, the
children run with PYTHONPATH set to ../engine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for `corpus` when run from elsewhere

import corpus  # noqa: E402

DEFAULT_SIZES = (1_000, 10_000, 100_000)
PER_FILE = 100
FILES_PER_FOLDER = 10
RATIO_TARGET = 2.0
RATIO_TARGET_SIZE = 10_000
BUSY = 0.85  # a run whose CPU time is below this share of its wall time waited for the processor

# Runs one command, times it from outside and reports the command's own peak
# memory: RUSAGE_CHILDREN of a process whose only child is that command.
HELPER = r"""
import json, resource, subprocess, sys, time
cmd, out_path, timeout = json.loads(sys.argv[1])
with open(out_path, "wb") as out:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE)
    timed_out = False
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        timed_out = True
    wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kb = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": peak_kb,
                  "rc": proc.returncode, "timed_out": timed_out,
                  "stderr": err.decode("utf-8", "replace")[-2000:]}))
"""

# The floor: read and parse every file check would read, keep nothing.
PARSE = r"""
import sys
from pathlib import Path
import yaml
count = 0
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
        text = path.read_text(encoding="utf-8")
        count += sum(1 for doc in yaml.load_all(text, Loader=yaml.CSafeLoader) if doc is not None)
print(count)
"""


# ------------------------------------------------------------------ corpus
def _objects(n: int, seed: int):
    """The objects of `corpus.generate(n, seed)`, one at a time (same order,
    same values) so that 100,000 of them never sit in memory together."""
    gen_class = getattr(corpus, "_Gen", None)
    if gen_class is None:  # corpus.py changed shape: fall back to the public API
        yield from corpus.generate(n, seed)
        return
    gen = gen_class(seed)
    for _ in range(n):
        yield gen.object()


def write_corpus(directory: Path, n: int, seed: int, per_file: int = PER_FILE) -> tuple[int, int]:
    """`n` documents as YAML files under `directory`; returns (files, bytes)."""
    files = size = 0
    batch: list[dict] = []

    def flush() -> None:
        nonlocal files, size
        folder = directory / f"app-{files // FILES_PER_FOLDER:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = corpus.dump(batch).encode("utf-8")
        (folder / f"manifests-{files:05d}.yaml").write_bytes(data)
        files += 1
        size += len(data)
        batch.clear()

    for obj in _objects(n, seed):
        batch.append(obj)
        if len(batch) == per_file:
            flush()
    if batch:
        flush()
    return files, size


# ---------------------------------------------------------------- running
def child_env() -> tuple[dict[str, str], str]:
    """The environment for the children, and where their kuberules comes from."""
    env = dict(os.environ)
    spec = importlib.util.find_spec("kuberules")
    if spec is not None and spec.origin:
        return env, str(Path(spec.origin).parent)
    engine = HERE.parent / "engine"
    if not (engine / "kuberules" / "__init__.py").is_file():
        raise SystemExit("kuberules is neither installed nor in ../engine")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(engine), env.get("PYTHONPATH")) if p)
    return env, str(engine / "kuberules")


def run_measured(cmd: list[str], out_path: Path, env: dict[str, str], cwd: Path,
                 timeout: float | None) -> dict:
    """One run of `cmd` in a fresh helper: wall and cpu seconds, peak KB, exit code."""
    spec = json.dumps([cmd, str(out_path), timeout])
    done = subprocess.run([sys.executable, "-c", HELPER, spec], env=env, cwd=cwd,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measuring helper failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def read_summary(path: Path) -> dict | None:
    """The `summary` object of a `-o json` report, read from the start of the
    file (the report of 100,000 documents is over 100 MB)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(16_384)
    at = head.find('"summary"')
    if at >= 0:
        try:
            summary, _ = json.JSONDecoder().raw_decode(head, head.index("{", at))
            return summary
        except ValueError:
            pass
    return None


def measure_size(n: int, runs: int, root: Path, keep: Path | None, seed: int, per_file: int,
                 env: dict[str, str], timeout: float | None) -> dict:
    directory = (keep or root) / f"corpus-{n}"
    if directory.exists():
        shutil.rmtree(directory)
    note(f"{n:,} documents: writing the corpus to {directory} ...")
    start = time.perf_counter()
    files, size = write_corpus(directory, n, seed, per_file)
    note(f"{n:,} documents: {files} files, {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
    out = root / f"check-{n}.json"
    check_cmd = [sys.executable, "-m", "kuberules", "check", str(directory), "-o", "json"]
    parse_cmd = [sys.executable, "-c", PARSE, str(directory)]
    checks: list[dict] = []
    parses: list[dict] = []
    summary = None
    parsed_count = None
    try:
        for i in range(runs):  # alternated, so that a drift of the machine hits both alike
            c = run_measured(check_cmd, out, env, root, timeout)
            checks.append(c)
            note(f"{n:,} documents: check run {i + 1}/{runs}: {c['wall']:.2f} s, "
                 f"{c['peak_kb'] / 1024:.0f} MB, exit {c['rc']}" + (" (timed out)" if c["timed_out"] else ""))
            if c["timed_out"]:
                break
            if c["rc"] not in (0, 1):
                raise RuntimeError(f"check exited with {c['rc']}: {c['stderr'].strip()}")
            summary = read_summary(out)
            p = run_measured(parse_cmd, root / f"parse-{n}.txt", env, root, timeout)
            if p["rc"] != 0:
                raise RuntimeError(f"parse floor exited with {p['rc']}: {p['stderr'].strip()}")
            parsed_count = int((root / f"parse-{n}.txt").read_text().strip() or 0)
            parses.append(p)
            note(f"{n:,} documents: parse run {i + 1}/{runs}: {p['wall']:.2f} s, "
                 f"{p['peak_kb'] / 1024:.0f} MB")
    finally:
        out.unlink(missing_ok=True)
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)

    timed_out = any(c["timed_out"] for c in checks)
    check_s = min(c["wall"] for c in checks if not c["timed_out"]) if not timed_out else None
    finished = [c for c in checks if not c["timed_out"]]
    best = min(finished, key=lambda c: c["wall"]) if finished else None
    if best and best["cpu"] < BUSY * best["wall"]:
        note(f"warning: {n:,} documents: the best check run used {best['cpu']:.1f} s of CPU in "
             f"{best['wall']:.1f} s: the machine was busy, the times are too high")
    parse_s = min(p["wall"] for p in parses) if parses else None
    checked = summary.get("objects") if summary else None
    if checked is not None and checked != n:
        note(f"warning: check counted {checked} objects, the corpus has {n}")
    if parsed_count is not None and parsed_count != n:
        note(f"warning: the parse floor counted {parsed_count} documents, the corpus has {n}")
    return {
        "documents": n,
        "files": files,
        "yaml_bytes": size,
        "runs": len(checks),
        "timed_out": timed_out,
        "check_seconds": _round(check_s),
        "check_seconds_all": [_round(c["wall"]) for c in checks],
        "check_cpu_seconds": _round(best["cpu"]) if best else None,
        "check_peak_mb": _round(max(c["peak_kb"] for c in checks) / 1024, 1) if checks else None,
        "parse_seconds": _round(parse_s),
        "parse_seconds_all": [_round(p["wall"]) for p in parses],
        "parse_peak_mb": _round(max(p["peak_kb"] for p in parses) / 1024, 1) if parses else None,
        "ratio": _round(check_s / parse_s, 3) if check_s and parse_s else None,
        "docs_per_second": _round(n / check_s, 1) if check_s else None,
        "objects_checked": checked,
        "problems": summary.get("problems") if summary else None,
        "exit_code": checks[-1]["rc"] if checks else None,
    }


# ---------------------------------------------------------------- output
def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _cell(value: object, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def print_table(rows: list[dict], origin: str, seed: int, per_file: int) -> None:
    print(f"kuberules check (bundled library, -o json) from {origin}; Python {platform.python_version()} "
          f"on {platform.machine()}, {os.cpu_count()} CPUs; seed {seed}, {per_file} documents a file")
    head = (f"{'documents':>10} {'check s':>9} {'parse s':>9} {'check/parse':>11} {'check MB':>9} "
            f"{'parse MB':>9} {'docs/s':>8} {'problems':>9}  runs")
    print(head)
    print("-" * len(head))
    for r in rows:
        check = ">timeout" if r["timed_out"] else _cell(r["check_seconds"], ".2f")
        print(f"{r['documents']:>10,} {check:>9} {_cell(r['parse_seconds'], '.2f'):>9} "
              f"{_cell(r['ratio'], '.2f'):>11} {_cell(r['check_peak_mb'], '.0f'):>9} "
              f"{_cell(r['parse_peak_mb'], '.0f'):>9} {_cell(r['docs_per_second'], ',.0f'):>8} "
              f"{_cell(r['problems'], ','):>9}  {r['runs']}")
    for r in rows:
        if r["documents"] == RATIO_TARGET_SIZE and r["ratio"] is not None:
            verdict = "met" if r["ratio"] <= RATIO_TARGET else "NOT met"
            print(f"check/parse at {RATIO_TARGET_SIZE:,} documents: {r['ratio']:.2f} "
                  f"(target <= {RATIO_TARGET}: {verdict})")
    print("times: wall seconds of the whole process, best of the runs; MB: peak resident memory "
          "(largest run); parse: yaml.load_all with CSafeLoader, each file dropped once parsed")


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        scale = 1_000 if part.endswith("k") else 1
        try:
            value = int(part.rstrip("k")) * scale
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"not a size: {part!r}")
        sizes.append(value)
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes")
    return sizes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES),
                    help="corpus sizes in documents, comma-separated (default 1000,10000,100000; 10k works)")
    ap.add_argument("--runs", type=int, default=0,
                    help="runs per measurement, best kept (default 3 below 100,000 documents, else 1)")
    ap.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    ap.add_argument("--per-file", type=int, default=PER_FILE,
                    help=f"documents per YAML file (default {PER_FILE})")
    ap.add_argument("--timeout", type=float, default=0,
                    help="seconds after which a run is killed and reported as timed out (default: none)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="write the corpora under DIR and leave them there (default: a temporary directory)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = ap.parse_args(argv)
    if args.per_file <= 0:
        ap.error("--per-file must be positive")

    env, origin = child_env()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kuberules-bench-") as tmp:
        root = Path(tmp)
        keep = args.keep.resolve() if args.keep else None
        for n in args.sizes:
            runs = args.runs or (3 if n < 100_000 else 1)
            rows.append(measure_size(n, runs, root, keep, args.seed, args.per_file, env,
                                     args.timeout or None))
    if args.json:
        print(json.dumps({"kuberules": origin, "python": platform.python_version(),
                          "machine": platform.machine(), "cpus": os.cpu_count(), "seed": args.seed,
                          "per_file": args.per_file, "ratio_target": RATIO_TARGET,
                          "ratio_target_documents": RATIO_TARGET_SIZE, "results": rows}, indent=2))
    else:
        print_table(rows, origin, args.seed, args.per_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
