"""``python -m fashionclasstic``: what is registered, where the data is, and what past runs
measured (compare, report, explore). Every user mistake ends in one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import sys

from fashionclasstic.errors import FashionClassticError

USAGE_ERROR = 2


def cmd_models(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from fashionclasstic.models import get_model_spec, list_models

    rows = []
    for name in list_models(args.pattern):
        spec = get_model_spec(name)
        rows.append([name, spec.family, spec.framework, "yes" if spec.pretrained else "",
                     spec.unavailable_reason() or "ready", spec.description])
    print(tabulate(rows, headers=["model", "family", "framework", "pretrained", "here", "description"]))
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from fashionclasstic.data import load_fashion_mnist

    data = load_fashion_mnist(args.source, args.data_dir, download=False if args.no_download else None)
    print(f"{data.source}: {len(data.y_train)} train / {len(data.y_test)} test images, verified")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.compare import compare

    return compare(args.runs, args.fail_on, runs_dir=Path(args.runs_dir), storage=Path(args.storage))


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.publishers import rebuild_report

    directory = rebuild_report(args.saved_run, args.out, args.data_dir, runs_dir=Path(args.runs_dir))
    print(f"report: {directory / 'index.html'}")
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.data import load_fashion_mnist
    from fashionclasstic.reporting.figures import write_exploration

    data = load_fashion_mnist(args.source, args.data_dir, download=False if args.no_download else None)
    try:
        written = write_exploration(data, Path(args.out), seed=args.seed)
    except OSError as exc:
        from fashionclasstic.reporting.files import ReportError

        raise ReportError(f"cannot write the figures to {args.out}: {exc}") from None
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fashionclasstic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="list the registered models and whether they can run here")
    models.add_argument("pattern", nargs="?", default="*", help="glob pattern of model names")
    models.set_defaults(run=cmd_models)

    data = commands.add_parser("data", help="find and verify the dataset, and say where it came from")
    data.add_argument("--data-dir", help="directory holding the four archives")
    data.add_argument("--source", default="archives", help="archives (default) or tfds")
    data.add_argument("--no-download", action="store_true", help="never try to download")
    data.set_defaults(run=cmd_data)

    compare = commands.add_parser(
        "compare", help="compare accuracy and times per model across saved runs",
        description="Compare saved runs, the first being the baseline. RUN is a results.json, a run "
                    "directory, a run id under --runs-dir, 'latest', a pytest-benchmark JSON file, or a "
                    "pytest-benchmark run number such as 0003 (searched under --storage).")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="two or more runs, the baseline first")
    compare.add_argument("--fail-on", metavar="SPEC",
                         help="exit 1 when the last run regressed against the first beyond these limits, "
                              "e.g. accuracy:0.5,train_time:25%%,inference_time:50%% (accuracy and macro_f1 "
                              "in points, times in percent)")
    compare.add_argument("--runs-dir", default=".fashionclasstic/runs", help="where the suite saves runs")
    compare.add_argument("--storage", default=".benchmarks", help="pytest-benchmark's storage directory")
    compare.set_defaults(run=cmd_compare)

    report = commands.add_parser("report", help="redraw a saved run's report from its results.json (no training)")
    report.add_argument("saved_run", metavar="RUN", help="a results.json, a run directory, a run id, or 'latest'")
    report.add_argument("--out", metavar="DIR", help="write here instead of the run's own directory")
    report.add_argument("--data-dir", help="where the data is, for the data figures (default: as in the run)")
    report.add_argument("--runs-dir", default=".fashionclasstic/runs", help="where the suite saves runs")
    report.set_defaults(run=cmd_report)

    explore = commands.add_parser("explore", help="draw the data figures: samples, class histogram, per class")
    explore.add_argument("--out", metavar="DIR", default=".fashionclasstic/data", help="default: %(default)s")
    explore.add_argument("--data-dir", help="directory holding the four archives")
    explore.add_argument("--source", default="archives", help="archives (default) or tfds")
    explore.add_argument("--seed", type=int, default=0, help="which random images to show (default 0)")
    explore.add_argument("--no-download", action="store_true", help="never try to download")
    explore.set_defaults(run=cmd_explore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except FashionClassticError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
