"""``python -m fashionclasstic explore``: the data figures (samples, class histogram, per class)."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_data_options


def add_parser(commands) -> None:
    parser = commands.add_parser("explore", help="draw the data figures: samples, class histogram, per class")
    parser.add_argument("--out", metavar="DIR", default=".fashionclasstic/data", help="default: %(default)s")
    add_data_options(parser)
    parser.add_argument("--seed", type=int, default=0, help="which random images to show (default 0)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
