"""``python -m fashionclasstic compare``: saved runs side by side, and the regression gate."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options

DESCRIPTION = ("Compare saved runs, the first being the baseline. RUN is a results.json, a run directory, a run "
               "id under --runs-dir, 'latest', a pytest-benchmark JSON file, or a pytest-benchmark run number "
               "such as 0003 (searched under --storage).")


def add_parser(commands) -> None:
    parser = commands.add_parser("compare", help="compare accuracy and times per model across saved runs",
                                 description=DESCRIPTION)
    parser.add_argument("runs", nargs="+", metavar="RUN", help="two or more runs, the baseline first")
    parser.add_argument("--fail-on", metavar="SPEC",
                        help="exit 1 when the last run regressed against the first beyond these limits, "
                             "e.g. accuracy:0.5,train_time:25%%,inference_time:50%% (accuracy and macro_f1 "
                             "in points, times in percent)")
    parser.add_argument("--cross-machine", action="store_true",
                        help="judge time rules between runs of different machines too (by default times are "
                             "judged only between runs with the same machine fingerprint)")
    add_run_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.runs.compare import compare

    return compare(args.runs, args.fail_on, runs_dir=Path(args.runs_dir), storage=Path(args.storage),
                   cross_machine=args.cross_machine)
