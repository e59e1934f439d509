"""``python -m fashionclasstic calibrate``: this machine timed against the registry's reference."""

from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    parser = commands.add_parser("calibrate", help="time this machine against the one the registry's time "
                                                   "estimates are from (the run header scales them by it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fashionclasstic.calibration import REFERENCE, REFERENCE_MACHINE, TRIES, calibrate, machine_factor

    here = calibrate()
    print(f"matrix products {here.matrix_seconds:.4f} s, interpreter loop {here.loop_seconds:.4f} s "
          f"(CPU seconds on one thread, the fastest of {TRIES} short tries of each)")
    print(f"{machine_factor():.2f}x the time of {REFERENCE_MACHINE}, where the registry's "
          f"estimates were measured (matrix {REFERENCE.matrix_seconds:.4f} s, loop {REFERENCE.loop_seconds:.4f} s)")
    return 0
