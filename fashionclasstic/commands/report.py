"""``python -m fashionclasstic report``: a saved run's report redrawn from its results.json."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options


def add_parser(commands) -> None:
    parser = commands.add_parser("report", help="redraw a saved run's report from its results.json (no training)")
    parser.add_argument("saved_run", metavar="RUN", help="a results.json, a run directory, a run id, or 'latest'")
    parser.add_argument("--out", metavar="DIR", help="write here instead of the run's own directory")
    parser.add_argument("--data-dir", help="where the data is, for the data figures (default: as in the run)")
    add_run_options(parser, storage=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.runs.report import rebuild_report

    directory = rebuild_report(args.saved_run, args.out, args.data_dir, runs_dir=Path(args.runs_dir))
    print(f"report: {directory / 'index.html'}")
    return 0
