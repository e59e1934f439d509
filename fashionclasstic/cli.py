"""``python -m fashionclasstic``: what is registered, where the data is, and what past runs
measured (compare, report, explore). Every user mistake ends in one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import sys

from fashionclasstic.errors import ConfigError, FashionClassticError

USAGE_ERROR = 2
DESCRIPTIONS = {
    "compare": "Compare saved runs, the first being the baseline. RUN is a results.json, a run directory, a run "
               "id under --runs-dir, 'latest', a pytest-benchmark JSON file, or a pytest-benchmark run number "
               "such as 0003 (searched under --storage).",
    "trends": "Read every saved run (results.json under --runs-dir, pytest-benchmark JSON under --storage), "
               "group them by profile and machine fingerprint, print each model's history, find steps "
               "(sustained shifts beyond the noise) and write trends.html with a chart per metric.",
    "ab": "Benchmark two revisions on this machine, interleaved (BASE, HEAD, BASE, HEAD, ... one pytest session "
          "each, seeds SEED..SEED+REPEATS-1), save each side as a run and judge HEAD against BASE with compare's "
          "rules. BASE is checked out into a temporary git worktree of the repository you are in; HEAD is the "
          "working tree unless named. Options after -- go to both sides' pytest (e.g. -- --fc-profile smoke "
          "--fc-models logreg); relative paths resolve in each side's tree.",
    "merge": "Merge the runs of the shards of one split (pytest --fc-shard K/N, each with its own --fc-report-dir "
             "DIR and --benchmark-json DIR/benchmark.json) into one run: results.json, the tables, index.html, "
             "every figure, and one pytest-benchmark JSON (benchmark.json) holding every case. A run without "
             "--fc-shard (e.g. the networks on a GPU runner) joins as a part of its own. Refused: runs of "
             "different profiles, seeds, repeats or suite commits, shards of different N, a model in two runs, "
             "a missing shard (unless --allow-partial).",
    "thresholds": "Write thresholds entries (seeds, mean, std, margin = max(0.005, 3 x std), min_accuracy) for "
                  "every model a saved run evaluated, replacing those models' entries for that profile. "
                  "Measure with repeats: pytest benchmarks --fc-repeats 3 ...",
}


def cmd_models(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from fashionclasstic.models import get_model_spec, list_models
    from fashionclasstic.profiles import PROFILES
    from fashionclasstic.thresholds import load_thresholds, threshold_for

    thresholds = load_thresholds()

    def gate(spec, profile: str) -> str:
        threshold = threshold_for(spec, profile, thresholds)
        if threshold is None:
            return "ungated"
        caught = f" (catches {100 * threshold.margin:.2f} pts)" if threshold.margin is not None else ""
        return f">={threshold.min_accuracy:.4f}{caught}"

    rows = []
    for name in list_models(args.pattern):
        spec = get_model_spec(name)
        rows.append([name, spec.family, spec.framework, "yes" if spec.pretrained else "",
                     *(gate(spec, profile) for profile in PROFILES), spec.unavailable_reason() or "ready",
                     spec.description])
    print(tabulate(rows, headers=["model", "family", "framework", "pretrained", *(f"{p} gate" for p in PROFILES),
                                  "here", "description"]))
    print("A gate catches a drop of the mean accuracy larger than its margin (pts); --fc-repeats N judges the "
          "mean of N runs with a margin narrowed by sqrt(N) (see thresholds.toml).")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from fashionclasstic.data import load_fashion_mnist

    data = load_fashion_mnist(args.source, args.data_dir, download=False if args.no_download else None)
    print(f"{data.source}: {len(data.y_train)} train / {len(data.y_test)} test images, verified")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.compare import compare

    return compare(args.runs, args.fail_on, runs_dir=Path(args.runs_dir), storage=Path(args.storage),
                   cross_machine=args.cross_machine)


def cmd_ab(args: argparse.Namespace) -> int:
    from fashionclasstic.ab import ab

    return ab(args.base, args.head, args.fail_on, repeats=args.repeats, seed=args.seed, options=args.pytest_options,
              out=args.out)


def cmd_trends(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.trends import trends

    return trends(Path(args.runs_dir), Path(args.storage), args.models, Path(args.out) if args.out else None,
                   args.fail_on)


def cmd_thresholds(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.files import find_results_file, load_results
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


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.publishers import rebuild_report

    directory = rebuild_report(args.saved_run, args.out, args.data_dir, runs_dir=Path(args.runs_dir))
    print(f"report: {directory / 'index.html'}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.merge import BENCHMARK_FILE, merge
    from fashionclasstic.reporting.tables import comparison_table

    directory, merged = merge(args.runs, args.out, args.allow_partial, runs_dir=Path(args.runs_dir))
    print(comparison_table(merged.records))
    for note in merged.notes:
        print(f"note: {note}")
    if merged.info.merged.get("missing"):
        print(f"incomplete: shard {', '.join(map(str, merged.info.merged['missing']))} of "
              f"{merged.info.merged['n']} missing (--allow-partial)")
    if merged.benchmark is not None:
        print(f"pytest-benchmark: {directory / BENCHMARK_FILE}")
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


def add_data_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data-dir", help="directory holding the four archives")
    command.add_argument("--source", default="archives", help="archives (default) or tfds")
    command.add_argument("--no-download", action="store_true", help="never try to download")


def cmd_calibrate(args: argparse.Namespace) -> int:
    from fashionclasstic.calibration import REFERENCE, REFERENCE_MACHINE, calibrate, machine_factor

    here = calibrate()
    print(f"matrix products {here.matrix_seconds:.4f} s, interpreter loop {here.loop_seconds:.4f} s "
          f"(best of each of a few tries)")
    print(f"{machine_factor():.2f}x the time of {REFERENCE_MACHINE}, where the registry's "
          f"estimates were measured (matrix {REFERENCE.matrix_seconds:.4f} s, loop {REFERENCE.loop_seconds:.4f} s)")
    return 0


def add_run_options(command: argparse.ArgumentParser, storage: bool = True) -> None:
    """Where saved runs are: the suite's run folders, and pytest-benchmark's storage."""
    command.add_argument("--runs-dir", default=".fashionclasstic/runs", help="where the suite saves runs")
    if storage:
        command.add_argument("--storage", default=".benchmarks", help="pytest-benchmark's storage directory")


# --------------------------------------------------------------------------- results elsewhere: MLflow, dashboards


def cmd_mlflow(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.mlflow_sink import log_saved_runs

    for spec, logged in log_saved_runs(args.runs, args.uri, args.experiment, Path(args.runs_dir), Path(args.storage)):
        print(f"{spec}: MLflow run {logged.parent_run_id} ({len(logged.model_run_ids)} models) in experiment "
              f"{args.experiment!r} at {args.uri}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.exports import export_run

    for path in export_run(args.saved_run, args.format, Path(args.out), Path(args.runs_dir), Path(args.storage)):
        print(path)
    return 0


def add_export_commands(commands) -> None:
    from fashionclasstic.exports import ACTION_TOOLS, BENCHER_FILE, FORMATS
    from fashionclasstic.reporting.mlflow_sink import DEFAULT_EXPERIMENT, DEFAULT_URI

    mlflow = commands.add_parser("mlflow", help="log saved runs to MLflow (as pytest --fc-mlflow does live)",
                                 description="Log saved runs (a merged run too) to MLflow after the fact: a parent "
                                             "run each, a nested run per model, the run's files as artifacts. "
                                             "Needs the mlflow extra: pip install \"fashionclasstic[mlflow]\".")
    mlflow.add_argument("runs", nargs="+", metavar="RUN", help="results.json files, run directories or ids, 'latest', "
                                                              "pytest-benchmark JSON files")
    mlflow.add_argument("--uri", default=DEFAULT_URI, help="the tracking URI (default: %(default)s)")
    mlflow.add_argument("--experiment", default=DEFAULT_EXPERIMENT, help="the experiment (default: %(default)s)")
    add_run_options(mlflow)
    mlflow.set_defaults(run=cmd_mlflow)

    export = commands.add_parser("export", help="write a saved run for a benchmark dashboard "
                                                "(github-action-benchmark, Bencher)")
    export.add_argument("saved_run", metavar="RUN", help="a results.json, a run directory or id, 'latest', a "
                                                         "pytest-benchmark JSON file")
    export.add_argument("--format", required=True, choices=FORMATS,
                        help=f"github-action-benchmark: {' and '.join(f'{t}.json' for t in ACTION_TOOLS.values())} "
                             f"(one per direction, for its tools of those names); bencher: {BENCHER_FILE} "
                             f"(Bencher Metric Format, for bencher run --adapter json)")
    export.add_argument("--out", metavar="DIR", default=".", help="the folder the files go to (default: here)")
    add_run_options(export)
    export.set_defaults(run=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fashionclasstic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="list the registered models and whether they can run here")
    models.add_argument("pattern", nargs="?", default="*", help="glob pattern of model names")
    models.set_defaults(run=cmd_models)

    data = commands.add_parser("data", help="find and verify the dataset, and say where it came from")
    add_data_options(data)
    data.set_defaults(run=cmd_data)

    compare = commands.add_parser("compare", help="compare accuracy and times per model across saved runs",
                                  description=DESCRIPTIONS["compare"])
    compare.add_argument("runs", nargs="+", metavar="RUN", help="two or more runs, the baseline first")
    compare.add_argument("--fail-on", metavar="SPEC",
                         help="exit 1 when the last run regressed against the first beyond these limits, "
                              "e.g. accuracy:0.5,train_time:25%%,inference_time:50%% (accuracy and macro_f1 "
                              "in points, times in percent)")
    compare.add_argument("--cross-machine", action="store_true",
                         help="judge time rules between runs of different machines too (by default times are "
                              "judged only between runs with the same machine fingerprint)")
    add_run_options(compare)
    compare.set_defaults(run=cmd_compare)

    ab = commands.add_parser("ab", help="benchmark two revisions interleaved on this machine and judge the change",
                             description=DESCRIPTIONS["ab"], usage="%(prog)s BASE [HEAD] [options] [-- PYTEST_OPTIONS]")
    ab.add_argument("base", metavar="BASE", help="the baseline revision (a commit, branch or tag)")
    ab.add_argument("head", metavar="HEAD", nargs="?", help="the revision judged (default: the working tree)")
    ab.add_argument("--fail-on", metavar="SPEC", help="exit 1 when HEAD regressed beyond these limits (as compare's)")
    ab.add_argument("--repeats", type=int, default=5,
                    help="rounds per side (default 5: the fewest from which a time change can be significant)")
    ab.add_argument("--seed", type=int, default=0, help="the first round's seed (default 0)")
    ab.add_argument("--out", metavar="DIR",
                    help="where the rounds and both runs go (default .fashionclasstic/ab/<time>)")
    ab.set_defaults(run=cmd_ab)

    report = commands.add_parser("report", help="redraw a saved run's report from its results.json (no training)")
    report.add_argument("saved_run", metavar="RUN", help="a results.json, a run directory, a run id, or 'latest'")
    report.add_argument("--out", metavar="DIR", help="write here instead of the run's own directory")
    report.add_argument("--data-dir", help="where the data is, for the data figures (default: as in the run)")
    add_run_options(report, storage=False)
    report.set_defaults(run=cmd_report)

    hist = commands.add_parser("trends", aliases=["history"], description=DESCRIPTIONS["trends"],
                               help="every saved run per profile and machine, in time order, with steps "
                                    "('history' is its old name)")
    add_run_options(hist)
    hist.add_argument("--models", default="*", metavar="PATTERN", help="glob pattern of model names")
    hist.add_argument("--out", metavar="DIR", help="where trends.html and the charts go (default RUNS_DIR/trends)")
    hist.add_argument("--fail-on", metavar="RULES",
                      help="exit 1 when the latest runs sit behind a step to worse beyond these limits, "
                           "e.g. accuracy:0.5,train_time:25%%")
    hist.set_defaults(run=cmd_trends)

    thresholds = commands.add_parser("thresholds", help="write accuracy gates from a saved run's mean and spread",
                                     description=DESCRIPTIONS["thresholds"])
    thresholds.add_argument("--from", dest="saved_run", required=True, metavar="RUN",
                            help="a results.json, a run directory, a run id, or 'latest'")
    thresholds.add_argument("--into", metavar="FILE", help="the thresholds file to update (default: the suite's own)")
    add_run_options(thresholds, storage=False)
    thresholds.set_defaults(run=cmd_thresholds)

    merge = commands.add_parser("merge", help="merge the runs of several shards into one run and one "
                                              "pytest-benchmark JSON", description=DESCRIPTIONS["merge"])
    merge.add_argument("runs", nargs="+", metavar="RUN", help="the shards' run directories or results.json files")
    merge.add_argument("--out", metavar="DIR", help="where the merged run goes (default RUNS_DIR/<first id>-merged)")
    merge.add_argument("--allow-partial", action="store_true",
                       help="write the run even when a shard is missing: run.complete false, the missing shard "
                            "named in every table")
    add_run_options(merge, storage=False)
    merge.set_defaults(run=cmd_merge)

    calibrate = commands.add_parser("calibrate", help="time this machine against the one the registry's time "
                                                      "estimates are from (the run header scales them by it)")
    calibrate.set_defaults(run=cmd_calibrate)

    explore = commands.add_parser("explore", help="draw the data figures: samples, class histogram, per class")
    explore.add_argument("--out", metavar="DIR", default=".fashionclasstic/data", help="default: %(default)s")
    add_data_options(explore)
    explore.add_argument("--seed", type=int, default=0, help="which random images to show (default 0)")
    explore.set_defaults(run=cmd_explore)
    add_export_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, passthrough = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = build_parser()
    args = parser.parse_args(argv)
    if passthrough and args.command != "ab":
        parser.error(f"options after -- are for ab only, not {args.command}: {' '.join(passthrough)}")
    args.pytest_options = passthrough
    try:
        return args.run(args)
    except FashionClassticError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
