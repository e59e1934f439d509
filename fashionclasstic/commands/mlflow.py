"""``python -m fashionclasstic mlflow``: saved runs logged to MLflow, as ``--fc-mlflow`` logs a run live."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options


def add_parser(commands) -> None:
    from fashionclasstic.reporting.mlflow_sink import DEFAULT_EXPERIMENT, DEFAULT_URI  # --fc-mlflow's defaults

    parser = commands.add_parser("mlflow", help="log saved runs to MLflow (as pytest --fc-mlflow does live)",
                                 description="Log saved runs (a merged run too) to MLflow after the fact: a parent "
                                             "run each, a nested run per model, the run's files as artifacts. "
                                             "Needs the mlflow extra: pip install \"fashionclasstic[mlflow]\".")
    parser.add_argument("runs", nargs="+", metavar="RUN", help="results.json files, run directories or ids, "
                                                               "'latest', pytest-benchmark JSON files")
    parser.add_argument("--uri", default=DEFAULT_URI, help="the tracking URI (default: %(default)s)")
    parser.add_argument("--experiment", default=DEFAULT_EXPERIMENT, help="the experiment (default: %(default)s)")
    add_run_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.runs.mlflow import log_saved_runs

    for spec, logged in log_saved_runs(args.runs, args.uri, args.experiment, Path(args.runs_dir), Path(args.storage)):
        print(f"{spec}: MLflow run {logged.parent_run_id} ({len(logged.model_run_ids)} models) in experiment "
              f"{args.experiment!r} at {args.uri}")
    return 0
