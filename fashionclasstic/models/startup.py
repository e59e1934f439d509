"""Each framework's one-time start-up, paid once per process before its first model is timed.

A framework's first use in a process costs seconds no later use does: importing its runtime,
starting its thread pools, its first kernels, its graph machinery (``tf.function`` tracing,
autograd). Left inside the first model's timing, that model's time would depend on what ran
before it in the process (the selection, the shard, the xdist worker, ``-k``). So each
framework registers a ``warm_up(context)`` here under its registry name (a ModelSpec's
``framework``), and the runner calls :func:`warm_up` before the first case of that framework
in each process, outside every timing, and records its seconds on their own. A warm-up uses a
small network or estimator of its own, never a registered model's: building and tracing a
model's own graph stays in that model's time.

Frameworks without a warm-up (a user's own, ``none``) start up inside their first model.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

from fashionclasstic.models.registry import ModelContext

WarmUp = Callable[[ModelContext], None]

_WARM_UPS: dict[str, WarmUp] = {}
_PAID: dict[str, float] = {}  # framework -> seconds of its start-up, in this process


def register_warm_up(framework: str) -> Callable[[WarmUp], WarmUp]:
    """Decorator: ``function(context)`` starts ``framework`` up (the latest registration wins)."""

    def decorator(function: WarmUp) -> WarmUp:
        _WARM_UPS[framework] = function
        return function

    return decorator


def warm_up(framework: str, context: ModelContext) -> float | None:
    """Start ``framework`` up in this process; its seconds when this call paid the start-up,
    ``None`` when an earlier call did or the framework registered no warm-up."""
    function = _WARM_UPS.get(framework)
    if function is None or framework in _PAID:
        return None
    started = time.perf_counter()
    with warnings.catch_warnings():  # a throw-away fit on random rows: its warnings are nobody's
        warnings.simplefilter("ignore")
        function(context)
    _PAID[framework] = seconds = time.perf_counter() - started
    return seconds


def paid_in_this_process() -> dict[str, float]:
    """The start-ups this process paid so far: framework -> seconds."""
    return dict(_PAID)
