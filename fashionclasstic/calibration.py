"""A quick measure of this machine's speed against the machine the registry's estimates are from.

The registry's expected seconds were measured on one machine (:data:`REFERENCE_MACHINE`, an
Intel Xeon). Another CPU runs the same cases slower or faster, and not by one factor: models
that lean on the vector units and models that run scalar code scale differently. Two fixed
workloads timed here, each standing for one kind of work the models do, give a factor to scale
the estimates by when no saved run of this machine says better: float32 matrix products (BLAS and the
vector units: the networks, the SVMs' kernels) and an interpreter loop (scalar code and
memory: trees, boosting, the Python between the steps). It is a hint for the run header, not a
measurement, and the header says so.

A leaf module: NumPy only, a third of a second to run, once per process.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np

MATRIX_SIZE = 384
MATRIX_PRODUCTS = 20
LOOP_LENGTH = 200_000
TRIES = 3  # the best of three: a calibration slowed by a neighbour is the noise to drop


@dataclass(frozen=True)
class Calibration:
    """Seconds of each workload (best of :data:`TRIES`)."""

    matrix_seconds: float
    loop_seconds: float

    def factor_against(self, reference: Calibration) -> float:
        """How many times as long as ``reference`` this machine should take: the geometric mean
        of the two workloads' ratios."""
        return math.sqrt(self.matrix_seconds / reference.matrix_seconds * self.loop_seconds / reference.loop_seconds)


# Measured with `python -m fashionclasstic calibrate` on the machine the registry's full-profile
# estimates come from (the README's "Results" say which), quiet, default threads.
REFERENCE_MACHINE = "2 cores of an Intel Xeon (family 6 model 207, AVX-512 BF16, AMX)"
REFERENCE = Calibration(matrix_seconds=0.0148, loop_seconds=0.0112)


def _best_of(workload) -> float:
    best = math.inf
    for _ in range(TRIES):
        started = time.perf_counter()
        workload()
        best = min(best, time.perf_counter() - started)
    return best


def _matrix_products() -> None:
    a = np.random.default_rng(0).standard_normal((MATRIX_SIZE, MATRIX_SIZE), dtype=np.float32)
    b = a.copy()
    for _ in range(MATRIX_PRODUCTS):
        b = a @ b
        b /= np.abs(b).max()


def _interpreter_loop() -> int:
    total = 0
    for i in range(LOOP_LENGTH):
        total += (i * 7) % 13
    return total


@functools.lru_cache(maxsize=1)
def calibrate() -> Calibration:
    """This machine's calibration, measured once per process."""
    return Calibration(matrix_seconds=_best_of(_matrix_products), loop_seconds=_best_of(_interpreter_loop))


def machine_factor() -> float:
    """How many times as long as the reference machine this one should take (once per process)."""
    return calibrate().factor_against(REFERENCE)
