"""One model's benchmark case, independent of pytest: build, fit, predict, evaluate, gate.

The pytest plugin drives it and times it; nothing here knows about pytest or any one model.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import replace

from fashionclasstic.data import FashionMNIST
from fashionclasstic.fileio import jsonable
from fashionclasstic.metrics import evaluate
from fashionclasstic.models import ModelContext, ModelSpec, protocol
from fashionclasstic.profiles import Profile
from fashionclasstic.records import CaseRecord
from fashionclasstic.thresholds import Threshold

log = logging.getLogger(__name__)

INFERENCE_BUDGET_S = 3.0  # a cheap prediction is repeated for about this long...
MAX_INFERENCE_ROUNDS = 10  # ... up to this many rounds
MIN_INFERENCE_ROUNDS = 5  # at least this many, unless they would take longer than:
SLOW_INFERENCE_BUDGET_S = 60.0


def inference_rounds(one_prediction_seconds: float | None) -> int:
    """The timed rounds of a prediction that took ``one_prediction_seconds``: about
    :data:`INFERENCE_BUDGET_S` of them when it is cheap (up to :data:`MAX_INFERENCE_ROUNDS`), at
    least :data:`MIN_INFERENCE_ROUNDS` unless those would take longer than
    :data:`SLOW_INFERENCE_BUDGET_S`, then as many as fit (at least one)."""
    one = max(one_prediction_seconds or SLOW_INFERENCE_BUDGET_S, 1e-3)
    cheap = min(MAX_INFERENCE_ROUNDS, int(INFERENCE_BUDGET_S // one))
    return max(1, cheap, min(MIN_INFERENCE_ROUNDS, int(SLOW_INFERENCE_BUDGET_S // one)))


def new_record(spec: ModelSpec, profile: Profile, context: ModelContext, threshold: Threshold | None = None,
               n_test: int | None = None) -> CaseRecord:
    """The record of a case before it ran: what the registry and the run settings say."""
    return CaseRecord(
        model=spec.name, family=spec.family, framework=spec.framework, description=spec.description,
        pretrained=spec.pretrained, profile=profile.name, seed=context.seed, threads=context.threads,
        n_test=n_test, min_accuracy=threshold.min_accuracy if threshold else None,
        gate_margin=threshold.margin if threshold else None,
        threshold_origin=threshold.origin if threshold else "")


class ModelCase:
    """The state one model carries from its training case to its inference case.

    With ``repeats`` > 1 the training case trains a fresh model per seed (``seed``,
    ``seed + 1``, ...); the record holds every repeat, and the mean and spread of the scores.
    The last repeat's model is the one evaluated in detail and timed for inference.
    """

    def __init__(self, spec: ModelSpec, profile: Profile, context: ModelContext, data: FashionMNIST,
                 threshold: Threshold | None, repeats: int = 1):
        self.spec, self.profile, self.context, self.data = spec, profile, context, data
        self.repeats = repeats
        self.round_context = context
        self.model = None
        self.trained = False
        self.first_prediction_seconds: float | None = None
        self.record = new_record(spec, profile, context, threshold, n_test=len(data.y_test))

    def build(self, round_index: int = 0) -> None:
        """A fresh, unfitted model for the round's seed (raises :class:`ModelUnavailable`
        when it cannot run here)."""
        self.close()
        self.round_context = replace(self.context, seed=self.context.seed + round_index)
        self.model = self.spec.build(self.profile.name, self.round_context)
        protocol.check_protocol(self.model, self.spec.name)

    def start_round(self, round_index: int) -> None:
        """Before each training round, untimed: the model the case was set up with for the first
        round (seed ``seed``), a fresh one for every later round (``seed + round_index``), and
        the model's own preparation (a network's choice of precision)."""
        if round_index > 0 or self.model is None or self.trained:
            self.build(round_index)
        self.record.precision_seconds = protocol.prepare_model(self.model, self.spec.name, self.training_data)

    def training_data(self):
        """The round's training images and labels, and its validation split (or ``None``)."""
        if self.spec.uses_validation:
            return self.data.validation_split(self.profile.validation_fraction, self.round_context.seed)
        return self.data.x_train, self.data.y_train, None

    def fit(self) -> None:
        seed = self.round_context.seed
        x, y, validation = self.training_data()
        self.record.n_train = len(y)
        self.record.n_validation = len(validation.y) if validation is not None else 0
        log.info("%s: training on %d images (%d held out for validation), profile %s, seed %d",
                 self.spec.name, len(y), self.record.n_validation, self.profile.name, seed)
        note = protocol.fit_model(self.model, self.spec.name, x, y, validation)
        if note and note not in self.record.notes:
            self.record.notes = "; ".join(filter(None, [self.record.notes, note]))
        self.trained = True

    def predict_test(self):
        return protocol.predict_raw(self.model, self.spec.name, self.data.x_test)

    def evaluate(self) -> None:
        """Predict the test set once and record every metric and what the model can tell;
        with repeats, also this repeat's scores."""
        started = time.perf_counter()  # only to choose the number of inference rounds
        predictions = protocol.as_labels(self.spec.name, self.predict_test(), len(self.data.y_test))
        self.first_prediction_seconds = time.perf_counter() - started
        record = self.record
        record.score(self.data.y_test, predictions)
        evaluation = evaluate(self.data.y_test, predictions, self.data.class_names)
        record.confusion, record.per_class = evaluation.confusion, evaluation.per_class
        record.classification_report = evaluation.classification_report
        details = protocol.model_details(self.model, self.spec.name)
        record.parameter_count, record.size_bytes = details["parameter_count"], details["size_bytes"]
        record.history = details["history"]
        record.precision = details["precision"]
        record.epoch_seconds = record.history.get("seconds", [])
        record.feature_importances = details["feature_importances"]
        record.hyperparameters = jsonable(details["hyperparameters"])
        record.evaluated_seed = self.round_context.seed
        scores = record.repeat_scores()
        record.repeats.append({"seed": self.round_context.seed, **scores})
        log.info("%s: %s (seed %d)", self.spec.name, ", ".join(f"{name} {value:.4f}" for name, value in scores.items()),
                 self.round_context.seed)

    def summarize(self, train_samples: list[float], cpu_samples: list[float]) -> None:
        """The repeats' mean and spread as the record's scores (the gate judges the mean)."""
        self.record.train_samples, self.record.train_cpu_seconds = list(train_samples), list(cpu_samples)
        self.record.summarize_repeats()

    def gate_failure(self) -> str | None:
        """Why the accuracy gate fails, or ``None`` when it holds (or there is no gate)."""
        record = self.record
        if record.min_accuracy is None or record.accuracy >= record.min_accuracy:
            return None
        mean = f"mean of {len(record.repeats)} seeds " if len(record.repeats) > 1 else ""
        return (f"{record.model}: accuracy {mean}{record.accuracy:.4f} is below the minimum "
                f"{record.min_accuracy:.4f} for profile {record.profile!r} "
                f"(threshold from {record.threshold_origin})")

    def inference_rounds(self) -> int:
        return inference_rounds(self.first_prediction_seconds)

    def close(self) -> None:
        """Drop the model and let its framework free memory before the next case (the model
        is dropped even when its ``close`` fails, which is then this model's failure)."""
        model, self.model = self.model, None
        if model is not None:
            try:
                protocol.close_model(model, self.spec.name)
            finally:
                del model
                gc.collect()
