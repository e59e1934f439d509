"""The statistics behind repeats, comparisons and histories, in one place (no pytest, no I/O).

- Spread of repeated accuracies: mean, sample standard deviation, and the 95% Student-t
  confidence interval of the mean (the usual interval for a handful of seeds).
- Timing changes: a one-sided Mann-Whitney U test, as asv uses: no normality assumed, robust to
  the long right tail of timings, and valid from 5 samples a side.
- Steps in a history: the split point that best separates the runs before from the runs after
  (the largest difference of segment means relative to the noise within the segments), kept
  when that difference is beyond both the noise and a minimum size, as asv's step detection
  keeps a step only when it beats a penalty.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MIN_SAMPLES_FOR_TEST = 5
SIGNIFICANCE = 0.01


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    std: float  # sample standard deviation (n - 1); 0 for one value
    ci95: tuple[float, float]  # Student-t 95% confidence interval of the mean


def spread(values: Sequence[float]) -> Spread:
    values = [float(v) for v in values]
    if not values:
        raise ValueError("no values")
    mean = statistics.fmean(values)
    if len(values) == 1:
        return Spread(1, mean, 0.0, (mean, mean))
    from scipy.stats import t

    std = statistics.stdev(values)
    half = float(t.ppf(0.975, len(values) - 1)) * std / math.sqrt(len(values))
    return Spread(len(values), mean, std, (mean - half, mean + half))


def slower(before: Sequence[float], after: Sequence[float]) -> float | None:
    """One-sided Mann-Whitney U p-value that ``after`` is slower than ``before``; ``None``
    with fewer than :data:`MIN_SAMPLES_FOR_TEST` samples on either side."""
    if min(len(before), len(after)) < MIN_SAMPLES_FOR_TEST:
        return None
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(after, before, alternative="greater").pvalue)


def threshold_margin(std: float | None, n: int, floor: float = 0.005, sigmas: float = 3.0, cap: float = 0.1) -> float:
    """The margin below a measured mean accuracy that the gate allows: ``max(floor, 3 x std)``
    (capped); with a single seed, where the spread is unknown, twice the floor."""
    if n < 2 or std is None:
        return round(2 * floor, 4)
    return round(min(cap, max(floor, sigmas * std)), 4)


@dataclass(frozen=True)
class Step:
    index: int  # the first run after the step
    before: float  # mean of the runs before
    after: float  # mean of the runs from ``index`` on
    noise: float  # pooled standard deviation within the two segments


def find_step(values: Sequence[float], minimum: float, sigmas: float = 3.0, min_segment: int = 2) -> Step | None:
    """The most pronounced sustained shift in ``values`` (oldest first), or ``None``.

    Every split leaving ``min_segment`` runs on each side is scored by the difference of the
    segment means over the pooled within-segment noise; the best split is a step when the
    difference exceeds both ``minimum`` and ``sigmas`` times the noise.
    """
    values = [float(v) for v in values]
    best: Step | None = None
    best_score = -1.0
    for index in range(min_segment, len(values) - min_segment + 1):
        head, tail = values[:index], values[index:]
        before, after = statistics.fmean(head), statistics.fmean(tail)
        squares = sum((v - before) ** 2 for v in head) + sum((v - after) ** 2 for v in tail)
        noise = math.sqrt(squares / max(1, len(values) - 2))
        score = abs(after - before) / (noise or 1e-12)
        if score > best_score:
            best, best_score = Step(index, before, after, noise), score
    if best is None or abs(best.after - best.before) <= max(minimum, sigmas * best.noise):
        return None
    return best
