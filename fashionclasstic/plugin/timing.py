"""One clock per case: pytest-benchmark's measurement is the record; the suite times the same
calls with ``time.perf_counter`` only where pytest-benchmark is off (under xdist, or with
``--benchmark-disable``), and labels them so.

Beside the wall time it keeps what explains it: the process CPU time of each training round,
and the load average at the start and end of each case; and the peak memory of each phase
(:mod:`fashionclasstic.plugin.memory`), measured around every timed call, outside its time.
A case that ran while other work competed for the cores (load above the core count) is flagged ``timing_suspect``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from fashionclasstic.cases import ModelCase
from fashionclasstic.plugin.memory import PeakMemory

LOAD_SLACK = 0.5  # load average above the cores (plus this) means other work competed


class CaseBenchmark:
    """pytest-benchmark's ``benchmark`` fixture, bound to one model's case and record."""

    def __init__(self, benchmark, case: ModelCase):
        self.benchmark, self.case = benchmark, case

    @property
    def clock(self) -> str:
        return "wall-clock" if getattr(self.benchmark, "disabled", False) else "pytest-benchmark"

    def _measure(self, function: Callable[[], object], group: str, rounds: int, memory: PeakMemory, *,
                 warmup: bool = False, setup: Callable[[], None] | None = None,
                 teardown: Callable[[], None] | None = None) -> list[float]:
        """Seconds of each counted round, from whichever clock is on; ``setup`` and
        ``teardown`` run around every round, untimed (``warmup``: one uncounted round first),
        and ``memory`` is measured between them."""
        self.benchmark.group = group
        self.case.record.timing = self.clock
        load_start = _load()
        user_setup, user_teardown = setup, teardown

        def setup() -> None:
            if user_setup:
                user_setup()
            memory.start()

        def teardown() -> None:
            memory.stop()
            if user_teardown:
                user_teardown()

        try:
            if self.clock == "pytest-benchmark":
                try:
                    self.benchmark.pedantic(function, rounds=rounds, iterations=1, warmup_rounds=int(warmup),
                                            setup=setup, teardown=teardown)
                except BaseException:
                    # pytest-benchmark leaves out a case that raised, but not one stopped by Ctrl-C
                    # or SIGTERM, whose empty samples would then break its whole JSON
                    self.benchmark.has_error = True
                    raise
                return list(self.benchmark.stats.stats.data)
            seconds: list[float] = []

            def one_round() -> None:
                if setup:
                    setup()
                started = time.perf_counter()
                function()
                seconds.append(time.perf_counter() - started)
                if teardown:
                    teardown()

            if warmup:
                setup()
                function()
                teardown()
            self.benchmark.pedantic(one_round, rounds=1, iterations=1)  # switched off, it just calls once
            for _ in range(rounds - 1):
                one_round()
            return seconds
        finally:
            self._note_load(group, load_start, _load())

    def _note_load(self, group: str, start: float | None, end: float | None) -> None:
        record = self.case.record
        if start is None or end is None:
            return
        record.load_average[group] = [round(start, 2), round(end, 2)]
        cores = os.cpu_count() or 1
        if max(start, end) > cores + LOAD_SLACK and group not in record.timing_suspect:
            note = (f"{group}: load average {start:.1f} at the start, {end:.1f} at the end, on {cores} cores "
                    f"(other work competed)")
            record.timing_suspect = "; ".join(filter(None, [record.timing_suspect, note]))

    def train(self) -> None:
        """One round per repeat: a fresh model per seed (built untimed), fitted (timed), then
        evaluated (untimed)."""
        rounds = iter(range(self.case.repeats))
        cpu: list[float] = []

        def fit() -> None:
            started = time.process_time()
            self.case.fit()
            cpu.append(time.process_time() - started)

        with PeakMemory() as memory:
            samples = self._measure(fit, "train", self.case.repeats, memory,
                                    setup=lambda: self.case.start_round(next(rounds)), teardown=self.case.evaluate)
        self.case.summarize(samples, cpu)
        self._note_memory(memory)
        self.case.record.train_memory = memory.peak

    def inference(self) -> None:
        """The timed rounds of predicting the test set. The evaluation's prediction, the same call
        on the same model in this process just before, is their warm-up; without one (a model
        whose evaluation did not run here), one uncounted round is."""
        with PeakMemory() as memory:
            seconds = self._measure(self.case.predict_test, "inference", self.case.inference_rounds(), memory,
                                    warmup=self.case.first_prediction_seconds is None)
        record = self.case.record
        self._note_memory(memory)
        record.inference_memory = memory.peak
        record.inference_samples = list(seconds)
        record.inference_seconds = statistics.median(seconds)
        record.inference_rounds = len(seconds)

    def _note_memory(self, memory: PeakMemory) -> None:
        """What the memory figures measured (resident, a GPU's), once per kind."""
        if memory.kind and memory.kind not in self.case.record.memory:
            self.case.record.memory = "; ".join(filter(None, [self.case.record.memory, memory.kind]))

    def record_info(self) -> None:
        """The case's record into pytest-benchmark's ``extra_info``: its JSON is a full record."""
        self.benchmark.extra_info.update(self.case.record.benchmark_info())


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None
