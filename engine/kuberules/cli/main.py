"""Entry point: argument parsing, exit codes, and error rendering.

Exit codes are the contract: 0 success, 1 violations (or a failed check),
2 usage or input errors. This is the only place errors become text; no
traceback reaches a user (set KUBERULES_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from ..errors import RuleError
from ..k8s.load import InputError
from . import admit as admit_cmd
from . import auth as auth_cmd
from . import check as check_cmd
from . import compare as compare_cmd
from . import conformance as conformance_cmd
from . import eval as eval_cmd
from . import fmt as fmt_cmd
from . import lifecycle as lifecycle_cmd
from . import netpol as netpol_cmd
from . import parse as parse_cmd
from . import prove as prove_cmd
from . import select as select_cmd
from . import test as test_cmd

COMMANDS = (check_cmd, test_cmd, prove_cmd, admit_cmd, auth_cmd, netpol_cmd, lifecycle_cmd, compare_cmd, parse_cmd,
            conformance_cmd, fmt_cmd, eval_cmd, select_cmd)
EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code is already 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kuberules", description="What a Kubernetes cluster would decide, offline.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def run(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args, stdout, stderr)
    except RuleError as err:
        for diagnostic in err.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_ERROR
    except InputError as err:
        print(f"error: {err}", file=stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the last line of defence: report, never a traceback
        if os.environ.get("KUBERULES_DEBUG"):
            raise
        print(f"kuberules: internal error: {type(err).__name__}: {err} (please report it; "
              "KUBERULES_DEBUG=1 shows the traceback)", file=stderr)
        return EXIT_ERROR


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr))
