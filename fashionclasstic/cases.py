"""One model's benchmark case, independent of pytest: build, fit, predict, evaluate, gate.

The pytest plugin drives it and times it; nothing here knows about pytest or any one model.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from fashionclasstic.data import FashionMNIST
from fashionclasstic.metrics import Evaluation, evaluate
from fashionclasstic.models.base import ModelContext
from fashionclasstic.models.registry import ModelSpec
from fashionclasstic.profiles import Profile
from fashionclasstic.results import CaseRecord
from fashionclasstic.thresholds import Threshold

log = logging.getLogger(__name__)

INFERENCE_BUDGET_S = 3.0  # time spent on repeated inference rounds, when one round is cheap
MAX_INFERENCE_ROUNDS = 10


def timed_rounds(function: Callable[[], Any], rounds: int) -> tuple[Any, list[float]]:
    """Call ``function`` ``rounds`` times and return its last result and each call's seconds."""
    seconds = []
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return result, seconds


class ModelCase:
    """The state one model carries from its training case to its inference case."""

    def __init__(self, spec: ModelSpec, context: ModelContext, data: FashionMNIST, profile: Profile,
                 threshold: Threshold | None):
        self.spec, self.context, self.data, self.profile = spec, context, data, profile
        self.model = None
        self.trained = False
        self.predictions: np.ndarray | None = None
        self.first_prediction_seconds: float | None = None
        self.record = CaseRecord(
            model=spec.name, family=spec.family, framework=spec.framework,
            description=spec.description, pretrained=spec.pretrained, profile=profile.name,
            seed=context.seed, threads=context.threads, n_test=len(data.y_test),
            min_accuracy=threshold.min_accuracy if threshold else None,
            threshold_origin=threshold.origin if threshold else "")

    def build(self) -> None:
        """Build the model (raises :class:`ModelUnavailable` when it cannot run here)."""
        self.model = self.spec.build(self.context)

    def fit(self) -> None:
        if self.spec.uses_validation:
            x, y, validation = self.data.validation_split(self.profile.validation_fraction, self.context.seed)
        else:
            x, y, validation = self.data.x_train, self.data.y_train, None
        self.record.n_train = len(y)
        self.record.n_validation = len(validation.y) if validation is not None else 0
        log.info("%s: training on %d images (%d held out for validation), profile %s, seed %d",
                 self.spec.name, len(y), self.record.n_validation, self.profile.name, self.context.seed)
        self.model.fit(x, y, validation)
        self.trained = True

    def predict_test(self) -> np.ndarray:
        return np.asarray(self.model.predict(self.data.x_test))

    def evaluate(self) -> Evaluation:
        """Predict the test set once and record every metric and what the model can tell."""
        self.predictions, (seconds,) = timed_rounds(self.predict_test, 1)
        self.first_prediction_seconds = seconds
        evaluation = evaluate(self.data.y_test, self.predictions, self.data.class_names)
        record = self.record
        record.accuracy, record.macro_f1 = evaluation.accuracy, evaluation.macro_f1
        record.confusion, record.per_class, record.report = (evaluation.confusion, evaluation.per_class,
                                                             evaluation.report)
        record.parameter_count = self.model.parameter_count()
        record.size_bytes = self.model.size_bytes()
        record.history = {k: [float(v) for v in values] for k, values in (self.model.history or {}).items()}
        importances = self.model.feature_importances()
        record.feature_importances = None if importances is None else [float(v) for v in np.ravel(importances)]
        record.hyperparameters = _jsonable(self.model.describe())
        log.info("%s: test accuracy %.4f, macro-F1 %.4f", self.spec.name, evaluation.accuracy, evaluation.macro_f1)
        return evaluation

    def gate_failure(self) -> str | None:
        """Why the accuracy gate fails, or ``None`` when it holds (or there is no gate)."""
        record = self.record
        if record.min_accuracy is None or record.accuracy >= record.min_accuracy:
            return None
        return (f"{record.model}: accuracy {record.accuracy:.4f} is below the minimum "
                f"{record.min_accuracy:.4f} for profile {record.profile!r} "
                f"(threshold from {record.threshold_origin})")

    def inference_rounds(self) -> int:
        """Enough rounds for a stable median when prediction is cheap, one when it is not."""
        one = self.first_prediction_seconds or INFERENCE_BUDGET_S
        return int(max(1, min(MAX_INFERENCE_ROUNDS, INFERENCE_BUDGET_S // max(one, 1e-3))))

    def benchmark_info(self) -> dict[str, Any]:
        """What goes into pytest-benchmark's ``extra_info``, so its JSON is a full record."""
        r = self.record
        return {"model": r.model, "family": r.family, "framework": r.framework, "profile": r.profile,
                "seed": r.seed, "threads": r.threads, "n_train": r.n_train, "n_test": r.n_test,
                "accuracy": r.accuracy, "macro_f1": r.macro_f1, "min_accuracy": r.min_accuracy,
                "parameter_count": r.parameter_count, "train_seconds": r.train_seconds,
                "inference_seconds": r.inference_seconds}

    def close(self) -> None:
        """Drop the model and let its framework free memory before the next case."""
        if self.model is not None:
            self.model.close()
        self.model = None
        self.predictions = None
        gc.collect()


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {str(k): (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
            for k, v in values.items()}
