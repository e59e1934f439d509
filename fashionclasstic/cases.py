"""One model's benchmark case, independent of pytest: build, fit, predict, evaluate, gate.

The pytest plugin drives it and times it; nothing here knows about pytest or any one model.
"""

from __future__ import annotations

import gc
import logging
import time

import numpy as np

from fashionclasstic.data import FashionMNIST
from fashionclasstic.fileio import jsonable
from fashionclasstic.metrics import as_predictions, evaluate
from fashionclasstic.models import ModelContext, ModelSpec
from fashionclasstic.profiles import Profile
from fashionclasstic.records import CaseRecord
from fashionclasstic.thresholds import Threshold

log = logging.getLogger(__name__)

INFERENCE_BUDGET_S = 3.0  # time spent on repeated inference rounds, when one round is cheap
MAX_INFERENCE_ROUNDS = 10


def new_record(spec: ModelSpec, profile: Profile, context: ModelContext, threshold: Threshold | None = None,
               n_test: int | None = None) -> CaseRecord:
    """The record of a case before it ran: what the registry and the run settings say."""
    return CaseRecord(
        model=spec.name, family=spec.family, framework=spec.framework, description=spec.description,
        pretrained=spec.pretrained, profile=profile.name, seed=context.seed, threads=context.threads,
        n_test=n_test, min_accuracy=threshold.min_accuracy if threshold else None,
        threshold_origin=threshold.origin if threshold else "")


class ModelCase:
    """The state one model carries from its training case to its inference case."""

    def __init__(self, spec: ModelSpec, profile: Profile, context: ModelContext, data: FashionMNIST,
                 threshold: Threshold | None):
        self.spec, self.profile, self.context, self.data = spec, profile, context, data
        self.model = None
        self.trained = False
        self.first_prediction_seconds: float | None = None
        self.record = new_record(spec, profile, context, threshold, n_test=len(data.y_test))

    def build(self) -> None:
        """A fresh, unfitted model (raises :class:`ModelUnavailable` when it cannot run here)."""
        self.model = self.spec.build(self.profile.name, self.context)

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

    def evaluate(self) -> None:
        """Predict the test set once and record every metric and what the model can tell."""
        started = time.perf_counter()  # only to choose the number of inference rounds
        predictions = as_predictions(self.data.y_test, self.predict_test())
        self.first_prediction_seconds = time.perf_counter() - started
        record = self.record
        record.score(self.data.y_test, predictions)
        evaluation = evaluate(self.data.y_test, predictions, self.data.class_names)
        record.confusion, record.per_class = evaluation.confusion, evaluation.per_class
        record.classification_report = evaluation.classification_report
        record.parameter_count = self.model.parameter_count()
        record.size_bytes = self.model.size_bytes()
        record.history = {k: [float(v) for v in values] for k, values in (self.model.history or {}).items()}
        importances = self.model.feature_importances()
        record.feature_importances = None if importances is None else [float(v) for v in np.ravel(importances)]
        record.hyperparameters = jsonable(self.model.describe())
        log.info("%s: test accuracy %.4f, macro-F1 %.4f", self.spec.name, record.accuracy, record.macro_f1)

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

    def close(self) -> None:
        """Drop the model and let its framework free memory before the next case."""
        if self.model is not None:
            self.model.close()
        self.model = None
        gc.collect()
