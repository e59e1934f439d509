"""Training progress, from any model to whoever listens: the pytest plugin shows it live.

A leaf module with no pytest in it: a model calls :func:`report` after each epoch or boosting
round; listeners (the plugin's terminal line, a dashboard) subscribe. With no listener, a
report costs a function call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    model: str
    step: int  # 1-based: the epoch or round just finished
    total: int | None  # planned steps (early stopping may end sooner)
    unit: str  # "epoch", "round"
    elapsed: float  # seconds since training started
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def seconds_left(self) -> float | None:
        if not self.total or self.step <= 0:
            return None
        return self.elapsed / self.step * max(0, self.total - self.step)

    def text(self) -> str:
        total = f"/{self.total}" if self.total else ""
        parts = [f"{self.model}: {self.unit} {self.step}{total}"]
        accuracy = self.metrics.get("val_accuracy", self.metrics.get("accuracy"))
        if accuracy is not None:
            label = "val. accuracy" if "val_accuracy" in self.metrics else "accuracy"
            parts.append(f"{label} {accuracy:.4f}")
        parts.append(f"{_duration(self.elapsed)} elapsed")
        left = self.seconds_left
        if left is not None and self.step < (self.total or 0):
            parts.append(f"about {_duration(left)} left")
        return ", ".join(parts)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


_listeners: list[Callable[[Progress], None]] = []


def subscribe(listener: Callable[[Progress], None]) -> Callable[[], None]:
    """Start calling ``listener`` with every report; returns the function that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def report(model: str, step: int, total: int | None, unit: str, started: float, **metrics: float) -> None:
    """Tell every listener that ``model`` finished ``step`` of ``total`` (``started``: its
    ``time.perf_counter()`` when training began)."""
    if not _listeners:
        return
    update = Progress(model, step, total, unit, time.perf_counter() - started,
                      {k: float(v) for k, v in metrics.items() if v is not None})
    for listener in list(_listeners):
        listener(update)
