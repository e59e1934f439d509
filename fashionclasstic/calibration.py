"""A quick measure of this machine's speed against the machine the registry's estimates are from.

The registry's expected seconds were measured on one machine (:data:`REFERENCE_MACHINE`, an
Intel Xeon). Another CPU runs the same cases slower or faster, and not by one factor: models
that lean on the vector units and models that run scalar code scale differently. Two fixed
workloads timed here, each standing for one kind of work the models do, give a factor to scale
the estimates by when no saved run of this machine says better: float32 matrix products (BLAS and the
vector units: the networks, the SVMs' kernels) and an interpreter loop (scalar code and
memory: trees, boosting, the Python between the steps). It is a hint for the run header, not a
measurement, and the header says so.

A neighbour's load must not read as a slow machine: both workloads run on one thread (the
matrix products' BLAS pinned through threadpoolctl, which scikit-learn installs), are timed in
this process's CPU time (time taken from it by other processes does not count), and many short
tries alternate between them, each workload's fastest try kept. Each workload's seconds are given
in the units of the reference (:data:`REFERENCE_PRODUCTS` products, :data:`REFERENCE_LOOP`
iterations).

A leaf module: NumPy (and threadpoolctl when installed) only, about half a second of CPU, once
per process.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from dataclasses import dataclass

import numpy as np

MATRIX_SIZE = 384
MATRIX_PRODUCTS = 4  # per try
LOOP_LENGTH = 40_000  # per try
TRIES = 25  # short tries, the workloads alternating: the fastest of each is the machine unloaded
REFERENCE_PRODUCTS = 20  # the units of the seconds: products ...
REFERENCE_LOOP = 200_000  # ... and iterations of the loop


@dataclass(frozen=True)
class Calibration:
    """CPU seconds of each workload on one thread (the fastest of :data:`TRIES`, in the reference's units)."""

    matrix_seconds: float
    loop_seconds: float

    def factor_against(self, reference: Calibration) -> float:
        """How many times as long as ``reference`` this machine should take: the geometric mean
        of the two workloads' ratios."""
        return math.sqrt(self.matrix_seconds / reference.matrix_seconds * self.loop_seconds / reference.loop_seconds)


# Measured with `python -m fashionclasstic calibrate` on the machine the registry's full-profile
# estimates come from (the README's "Results" say which), quiet; by the method before this one
# (wall clock, BLAS on its default threads, best of three long tries): measure them again there
# with this one.
REFERENCE_MACHINE = "2 cores of an Intel Xeon (family 6 model 207, AVX-512 BF16, AMX)"
REFERENCE = Calibration(matrix_seconds=0.0148, loop_seconds=0.0112)


def _one_thread():
    """BLAS on one thread, so that its CPU time is the work of one core (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _fastest(workloads, tries: int = TRIES) -> list[float]:
    """Each workload's fastest try in this process's CPU time, the workloads taking turns."""
    best = [math.inf] * len(workloads)
    for _ in range(tries):
        for index, workload in enumerate(workloads):
            started = time.process_time()
            workload()
            best[index] = min(best[index], time.process_time() - started)
    return best


_MATRIX = np.random.default_rng(0).standard_normal((MATRIX_SIZE, MATRIX_SIZE), dtype=np.float32)


def _matrix_products() -> None:
    b = _MATRIX
    for _ in range(MATRIX_PRODUCTS):
        b = _MATRIX @ b
        b /= np.abs(b).max()


def _interpreter_loop() -> int:
    total = 0
    for i in range(LOOP_LENGTH):
        total += (i * 7) % 13
    return total


@functools.lru_cache(maxsize=1)
def calibrate() -> Calibration:
    """This machine's calibration, measured once per process."""
    with _one_thread():
        matrix, loop = _fastest([_matrix_products, _interpreter_loop])
    return Calibration(matrix_seconds=matrix * REFERENCE_PRODUCTS / MATRIX_PRODUCTS,
                       loop_seconds=loop * REFERENCE_LOOP / LOOP_LENGTH)


def machine_factor() -> float:
    """How many times as long as the reference machine this one should take (once per process)."""
    return calibrate().factor_against(REFERENCE)
