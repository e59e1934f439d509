"""One clock per case: pytest-benchmark's measurement is the record; the suite times the same
calls with ``time.perf_counter`` only where pytest-benchmark is off (under xdist, or with
``--benchmark-disable``), and labels them so."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from fashionclasstic.cases import ModelCase


class CaseBenchmark:
    """pytest-benchmark's ``benchmark`` fixture, bound to one model's case and record."""

    def __init__(self, benchmark, case: ModelCase):
        self.benchmark, self.case = benchmark, case

    @property
    def clock(self) -> str:
        return "wall-clock" if getattr(self.benchmark, "disabled", False) else "pytest-benchmark"

    def _measure(self, function: Callable[[], object], group: str, rounds: int) -> list[float]:
        """Seconds of each round, from whichever clock is on."""
        self.benchmark.group = group
        self.case.record.timing = self.clock
        if self.clock == "wall-clock":
            seconds: list[float] = []

            def timed() -> None:
                started = time.perf_counter()
                function()
                seconds.append(time.perf_counter() - started)

            self.benchmark.pedantic(timed, rounds=1, iterations=1)  # switched off, it just calls once
            for _ in range(rounds - 1):
                timed()
            return seconds
        self.benchmark.pedantic(function, rounds=rounds, iterations=1, warmup_rounds=0)
        return list(self.benchmark.stats.stats.data)

    def train(self) -> None:
        self.case.record.train_seconds = self._measure(self.case.fit, "train", rounds=1)[0]

    def inference(self) -> None:
        seconds = self._measure(self.case.predict_test, "inference", rounds=self.case.inference_rounds())
        self.case.record.inference_seconds = statistics.median(seconds)
        self.case.record.inference_rounds = len(seconds)

    def record_info(self) -> None:
        """The case's record into pytest-benchmark's ``extra_info``: its JSON is a full record."""
        self.benchmark.extra_info.update(self.case.record.benchmark_info())
