"""`kuberules conformance generate`: conformance case files whose verdicts are the model's.

Writes DIR/<area>-generated.yaml for each --area, in the format of specs/conformance (so the
project's conformance runner, another implementation or a harness against a cluster can run
them), and prints one line per file. Exit 2 on bad arguments or a directory it cannot write.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..k8s.load import InputError

AREAS = ("limitrange", "resourcequota", "rbac", "netpol", "lifecycle")  # conformance_export.AREAS, without hypothesis


def add_parser(sub) -> None:
    p = sub.add_parser("conformance", help="conformance cases with the model's verdicts, for other implementations")
    cmds = p.add_subparsers(dest="conformance_command", required=True, metavar="COMMAND")
    gen = cmds.add_parser(
        "generate", help="draw inputs and write them with the model's verdicts as specs/conformance case files",
        description="Draw inputs from kuberules.strategies, answer each with policies/kubernetes, and write "
                    "DIR/AREA-generated.yaml in the format of specs/conformance.")
    gen.add_argument("--area", action="append", required=True, choices=AREAS, metavar="AREA",
                     help=f"what to generate: {', '.join(AREAS)} (repeat for several files)")
    gen.add_argument("--count", type=int, required=True, metavar="N", help="cases per file (distinct inputs)")
    gen.add_argument("--out", required=True, metavar="DIR", help="directory to write into (created if missing)")
    gen.add_argument("--seed", type=int, default=0, metavar="S",
                     help="the random seed; the same seed writes byte-identical files (default 0)")
    gen.set_defaults(run=run_generate)


def run_generate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.count < 1:
        raise InputError("--count: must be at least 1")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"--out: cannot create {out}: {err.strerror}") from None
    from .. import conformance_export as export  # hypothesis is imported only by the commands that draw
    from ..engine import Engine
    from ..resources import policies_dir

    policy = Engine().load(policies_dir() / "kubernetes")
    for name in dict.fromkeys(args.area):
        area = export.AREAS[name]
        rows = export.generate(area, args.count, args.seed, policy)
        path = out / export.file_name(name)
        try:
            export.write_atomically(path, export.render(area, rows, args.count, args.seed))
        except OSError as err:
            raise InputError(f"--out: cannot write {path}: {err.strerror}") from None
        short = "" if len(rows) == args.count else f" (only {len(rows)} distinct inputs found)"
        print(f"wrote {path}: {len(rows)} cases{short}", file=stdout)
    return 0
