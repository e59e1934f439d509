"""``python -m fashionclasstic merge``: the runs of a split's shards as one run."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options

DESCRIPTION = ("Merge the runs of the shards of one split (pytest --fc-shard K/N, each with its own --fc-report-dir "
               "DIR, saving pytest-benchmark's JSON with --benchmark-autosave, --benchmark-save or --benchmark-json: "
               "each run records where) into one run: results.json, the tables, index.html, every figure, and one "
               "pytest-benchmark JSON (benchmark.json) holding every case. A run without --fc-shard (e.g. the "
               "networks on a GPU runner) joins as a part of its own. Refused: runs of different profiles, seeds, "
               "repeats or suite commits, shards of different N, a model in two runs, a missing shard or an "
               "incomplete one (killed, interrupted, a model not run) unless --allow-partial.")


def add_parser(commands) -> None:
    parser = commands.add_parser("merge", help="merge the runs of several shards into one run and one "
                                               "pytest-benchmark JSON", description=DESCRIPTION)
    parser.add_argument("runs", nargs="+", metavar="RUN", help="the shards' run directories or results.json files")
    parser.add_argument("--out", metavar="DIR", help="where the merged run goes (default RUNS_DIR/<first id>-merged)")
    parser.add_argument("--allow-partial", action="store_true",
                        help="write the run even when a shard is missing or incomplete: run.complete false, the "
                             "missing shard named in every table, every case any shard saved in benchmark.json")
    add_run_options(parser, storage=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.reporting.tables import comparison_table
    from fashionclasstic.runs.merge import BENCHMARK_FILE, merge

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
