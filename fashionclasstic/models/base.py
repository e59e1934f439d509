"""The one interface every benchmarked model offers, whatever its framework.

Inputs are the normalised images, ``float32`` of shape ``(n, 28, 28)`` in ``[0, 1]``, and
integer labels 0–9; a model reshapes them as it needs (a view, never a copy of the dataset).
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("fashionclasstic.models")


@dataclass(frozen=True)
class ModelContext:
    """What a model factory may know about the run: nothing about pytest."""

    profile: str = "full"
    seed: int = 0
    threads: int = 0  # 0: every core the process may use
    weights_dir: Path | None = None

    @property
    def n_jobs(self) -> int:
        return self.threads or -1


@dataclass
class Validation:
    """A held-out part of the training set, for early stopping and learning curves."""

    x: np.ndarray
    y: np.ndarray


@dataclass
class BaseClassifier:
    """Defaults for the optional parts of the interface."""

    history: dict[str, list[float]] = field(default_factory=dict, init=False)

    def fit(self, x: np.ndarray, y: np.ndarray, validation: Validation | None = None) -> None:
        raise NotImplementedError

    def predict(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} gives no probabilities")

    def parameter_count(self) -> int | None:
        """Learned numbers in the model, where that is meaningful."""
        return None

    def size_bytes(self) -> int | None:
        """Size of the fitted model when serialised."""
        return None

    def feature_importances(self) -> np.ndarray | None:
        """One importance per pixel (784 values), for models that have them."""
        return None

    def describe(self) -> dict[str, Any]:
        """Hyper-parameters worth recording next to the results."""
        return {}

    def close(self) -> None:
        """Free framework memory; called once the benchmark case is done."""


def flat(x: np.ndarray) -> np.ndarray:
    """Images as rows of 784 pixels (a view)."""
    return x.reshape(len(x), -1)


def pixel_importances(values, features=None) -> np.ndarray | None:
    """Importances as 784 per-pixel values: as they are when learned on the pixels, folded back
    through ``features.pixel_importances`` when learned on derived features, else none."""
    values = np.asarray(values, dtype=float)
    if features is not None and hasattr(features, "pixel_importances"):
        return features.pixel_importances(values)
    return values if values.size == 784 else None


@dataclass
class SklearnClassifier(BaseClassifier):
    """Adapts any scikit-learn estimator (or pipeline) to the interface."""

    estimator: Any = None

    def fit(self, x, y, validation=None):
        self.estimator.fit(flat(x), y)

    def predict(self, x):
        return self.estimator.predict(flat(x))

    def predict_proba(self, x):
        if not hasattr(self.estimator, "predict_proba"):
            return super().predict_proba(x)
        return self.estimator.predict_proba(flat(x))

    def final_estimator(self):
        return self.estimator.steps[-1][1] if hasattr(self.estimator, "steps") else self.estimator

    def size_bytes(self):
        return len(pickle.dumps(self.estimator, protocol=pickle.HIGHEST_PROTOCOL))

    def parameter_count(self):
        final = self.final_estimator()
        if hasattr(final, "coef_"):
            return int(final.coef_.size + np.size(getattr(final, "intercept_", 0)))
        if hasattr(final, "support_vectors_"):
            return int(final.support_vectors_.size + final.dual_coef_.size + final.intercept_.size)
        if hasattr(final, "tree_"):
            return int(final.tree_.node_count)
        if hasattr(final, "estimators_"):
            return int(sum(e.tree_.node_count for e in final.estimators_ if hasattr(e, "tree_")))
        return None

    def feature_importances(self):
        values = getattr(self.final_estimator(), "feature_importances_", None)
        if values is None:
            return None
        features = self.estimator.steps[0][1] if hasattr(self.estimator, "steps") else None
        return pixel_importances(values, features)

    def describe(self):
        final = self.final_estimator()
        return {k: v for k, v in final.get_params(deep=False).items()
                if isinstance(v, (int, float, str, bool, type(None)))}
