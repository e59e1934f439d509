"""``python -m fashionclasstic thresholds``: accuracy gates written from a saved run's mean and spread."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options
from fashionclasstic.errors import ConfigError

DESCRIPTION = ("Write thresholds entries (seeds, mean, std, margin = max(0.005, 3 x std), min_accuracy) for "
               "every model a saved run evaluated, replacing those models' entries for that profile. "
               "Measure with repeats: pytest benchmarks --fc-repeats 3 ...")


def add_parser(commands) -> None:
    parser = commands.add_parser("thresholds", help="write accuracy gates from a saved run's mean and spread",
                                 description=DESCRIPTION)
    parser.add_argument("--from", dest="saved_run", required=True, metavar="RUN",
                        help="a results.json, a run directory, a run id, or 'latest'")
    parser.add_argument("--into", metavar="FILE", help="the thresholds file to update (default: the suite's own)")
    add_run_options(parser, storage=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.runs.saved import find_results_file, load_results
    from fashionclasstic.thresholds import default_thresholds_path, entries_from_run, update_thresholds

    saved = load_results(find_results_file(args.saved_run, Path(args.runs_dir)))
    entries = entries_from_run(saved)
    if not entries:
        raise ConfigError(f"{args.saved_run}: no model passed in that run; nothing to write")
    target = Path(args.into) if args.into else default_thresholds_path()
    update_thresholds(target, entries)
    for t in entries:
        print(f"[{t.model}.{t.profile}] {len(t.seeds)} seed(s): measured {t.measured:.4f} ± {t.std:.4f}, "
              f"margin {t.margin:.4f}, min_accuracy {t.min_accuracy:.4f}")
    print(f"written: {target}")
    return 0
