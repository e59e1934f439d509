"""``python -m fashionclasstic trends`` (``history``): every saved run in time order, with steps."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_run_options

DESCRIPTION = ("Read every saved run (results.json under --runs-dir, pytest-benchmark JSON under --storage), "
               "group them by profile and machine fingerprint, print each model's history, find steps "
               "(sustained shifts beyond the noise) and write trends.html with a chart per metric.")


def add_parser(commands) -> None:
    parser = commands.add_parser("trends", aliases=["history"], description=DESCRIPTION,
                                 help="every saved run per profile and machine, in time order, with steps "
                                      "('history' is its old name)")
    add_run_options(parser)
    parser.add_argument("--models", default="*", metavar="PATTERN", help="glob pattern of model names")
    parser.add_argument("--out", metavar="DIR", help="where trends.html and the charts go (default RUNS_DIR/trends)")
    parser.add_argument("--fail-on", metavar="RULES",
                        help="exit 1 when the latest runs sit behind a step to worse beyond these limits, "
                             "e.g. accuracy:0.5,train_time:25%%")
    parser.add_argument("--screenshot", action="store_true",
                        help="save trends.png, a picture of trends.html at 1280x900 (needs playwright and chromium)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fashionclasstic.runs.trends import trends

    out = Path(args.out) if args.out else Path(args.runs_dir) / "trends"
    status = trends(Path(args.runs_dir), Path(args.storage), args.models, out, args.fail_on)
    if args.screenshot:
        from fashionclasstic.reporting.screenshot import screenshot

        print(screenshot(out / "trends.html", out / "trends.png"))
    return status
