"""Options several commands share."""

from __future__ import annotations

import argparse


def add_data_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data-dir", help="directory holding the four archives")
    command.add_argument("--source", default="archives", help="archives (default) or tfds")
    command.add_argument("--no-download", action="store_true", help="never try to download")


def add_run_options(command: argparse.ArgumentParser, storage: bool = True) -> None:
    """Where saved runs are: the suite's run folders, and pytest-benchmark's storage."""
    command.add_argument("--runs-dir", default=".fashionclasstic/runs", help="where the suite saves runs")
    if storage:
        command.add_argument("--storage", default=".benchmarks", help="pytest-benchmark's storage directory")
