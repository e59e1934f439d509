"""``python -m fashionclasstic export``: a saved run in a benchmark dashboard's format."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options


def add_parser(commands) -> None:
    from fashionclasstic.runs.export import ACTION_TOOLS, BENCHER_FILE, FORMATS

    parser = commands.add_parser("export", help="write a saved run for a benchmark dashboard "
                                                "(github-action-benchmark, Bencher)")
    parser.add_argument("saved_run", metavar="RUN", help="a results.json, a run directory or id, 'latest', a "
                                                         "pytest-benchmark JSON file")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help=f"github-action-benchmark: {' and '.join(f'{t}.json' for t in ACTION_TOOLS.values())} "
                             f"(one per direction, for its tools of those names); bencher: {BENCHER_FILE} "
                             f"(Bencher Metric Format, for bencher run --adapter json)")
    parser.add_argument("--out", metavar="DIR", default=".", help="the folder the files go to (default: here)")
    add_run_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.runs.export import export_run

    for path in export_run(args.saved_run, args.format, Path(args.out), Path(args.runs_dir), Path(args.storage)):
        print(path)
    return 0
