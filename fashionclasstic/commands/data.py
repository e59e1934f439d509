"""``python -m fashionclasstic data``: find and verify the dataset, and say where it came from."""

from __future__ import annotations

import argparse

from fashionclasstic.commands.options import add_data_options


def add_parser(commands) -> None:
    parser = commands.add_parser("data", help="find and verify the dataset, and say where it came from")
    add_data_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fashionclasstic.data import load_fashion_mnist

    data = load_fashion_mnist(args.source, args.data_dir, download=False if args.no_download else None)
    print(f"{data.source}: {len(data.y_train)} train / {len(data.y_test)} test images, verified")
    return 0
