"""`kuberules prove [PATH...]`: run the `property` blocks of rule files with hypothesis.

One line per property (PASS or FAIL, with the number of examples); a failure is followed by
its shrunk counterexample as YAML, the values of the check's operands on it, and the command
that replays it. Exit 0 when every property holds, 1 when one fails, 2 when a rule file or a
property is broken (located diagnostics on stderr) or -k matches nothing.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from ..errors import RuleError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "prove", help="check the property blocks of rule files on generated examples",
        description="Run the `property` blocks of rule files with hypothesis: each draws values from its "
                    "generators, discards what its `assume` clauses reject, and must make its `check` true.",
    )
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                   help="rule files or directories (recursively *.rules; default: the current directory)")
    p.add_argument("--examples", type=_positive, default=None, metavar="N",
                   help="examples per property (default: 200)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="the random seed; the same seed replays the same examples and counterexample "
                        "(default: a random one, printed with each failure)")
    p.add_argument("-k", dest="keyword", metavar="NAME",
                   help="only the properties whose name or id is NAME, or else contains it (case-insensitive)")
    p.add_argument("--save", metavar="DIR",
                   help="for each failing property, write into DIR: SLUG.yaml, the counterexample's objects as "
                        "manifests (other values as comments) with a header naming the property and its seed; "
                        "and, when it holds an object, SLUG.rules and SLUG.test.yaml, a regression case that "
                        "`kuberules test DIR` runs (it fails until the property holds on these values)")
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .. import prove  # hypothesis and the strategies only for the commands that draw

    generators = prove.default_generators()
    policy = prove.load(*args.paths, generators=generators)
    everything = policy.properties(entry_only=True)
    if not everything:
        print(f"error: no property blocks in {', '.join(args.paths)}", file=stderr)
        return 2
    chosen = prove.select(everything, args.keyword)
    if not chosen:
        print(f"error: -k {args.keyword!r} matches no property; there are: "
              + ", ".join(f"{p.id} ({p.name!r})" for p in everything), file=stderr)
        return 2
    examples = args.examples or prove.DEFAULT_EXAMPLES
    passed = failed = errors = 0
    total = 0.0
    for prop in chosen:
        try:
            result = prove.run_property(prop, examples=examples, seed=args.seed, generators=generators)
        except RuleError as err:
            errors += 1
            print(f"ERROR {prop.module}: {prop.name}", file=stdout)
            stdout.flush()
            for diagnostic in err.diagnostics:
                print(diagnostic.render(), file=stderr)
            continue
        total += result.duration
        stdout.write(prove.report(result))
        if result.passed:
            passed += 1
        else:
            failed += 1
            if args.save:
                for path in prove.save(result, args.save):
                    print(f"saved {path}", file=stdout)
        stdout.flush()
    summary = f"{len(chosen)} propert{'y' if len(chosen) == 1 else 'ies'}: {passed} passed, {failed} failed"
    if errors:
        summary += f", {errors} could not run"
    print(f"{summary} ({total:.1f} s)", file=stdout)
    if errors:
        return 2
    return 1 if failed else 0
