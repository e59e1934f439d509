"""The one interface every benchmarked model offers, whatever its framework.

Inputs are the normalised images, ``float32`` of shape ``(n, 28, 28)`` in ``[0, 1]``, and
integer labels 0–9; a model reshapes them as it needs (a view, never a copy of the dataset).
As in scikit-learn, ``fit`` returns the model itself and fitted state lives in attributes set
by ``fit``; :mod:`fashionclasstic.models.contract` checks every registered model against this.
"""

from __future__ import annotations

import logging
import math
import pickle
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fashionclasstic.data import Validation
from fashionclasstic.models.registry import ModelContext
from fashionclasstic.models.startup import register_warm_up

log = logging.getLogger("fashionclasstic.models")
SCALARS = (int, float, str, bool, type(None))


@dataclass
class BaseClassifier:
    """Defaults for the optional parts of the interface."""

    history: dict[str, list[float]] = field(default_factory=dict, init=False)

    def fit(self, x: np.ndarray, y: np.ndarray, validation: Validation | None = None) -> BaseClassifier:
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
        """Hyper-parameters worth recording next to the results (JSON scalars)."""
        return {}

    def close(self) -> None:
        """Free framework memory; called once the benchmark case is done (harmless twice)."""


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


def learned_numbers(estimator) -> int | None:
    """Coefficients, support vectors or tree nodes of a fitted scikit-learn estimator, through
    the common wrappers (pipelines, one-vs-rest and other meta-estimators, ensembles)."""
    if hasattr(estimator, "steps"):
        return learned_numbers(estimator.steps[-1][1])
    if hasattr(estimator, "coef_"):
        return int(np.size(estimator.coef_) + np.size(getattr(estimator, "intercept_", 0)))
    if hasattr(estimator, "support_vectors_"):
        return int(estimator.support_vectors_.size + estimator.dual_coef_.size + estimator.intercept_.size)
    if hasattr(estimator, "tree_"):
        return int(estimator.tree_.node_count)
    inner = getattr(estimator, "estimators_", None)
    if inner is None and hasattr(estimator, "estimator_"):
        inner = [estimator.estimator_]
    if inner is not None:
        counts = [learned_numbers(e) for e in np.ravel(np.asarray(inner, dtype=object))]
        return sum(counts) if counts and None not in counts else None
    return None


def json_scalars(values: dict[str, Any]) -> dict[str, Any]:
    """The entries that are plain JSON values: strings, booleans, ``None`` and finite numbers."""
    return {k: v for k, v in values.items()
            if isinstance(v, SCALARS) and not (isinstance(v, float) and not math.isfinite(v))}


def scalar_params(estimator) -> dict[str, Any]:
    """The JSON-scalar parameters of an estimator and every estimator nested in it
    (``get_params(deep=True)``: a pipeline's steps as ``svc__C``, a wrapper's as ``estimator__C``)."""
    return json_scalars(estimator.get_params(deep=True))


@register_warm_up("scikit-learn")
def warm_up_scikit_learn(context: ModelContext) -> None:
    """scikit-learn's start-up: its import (SciPy's with it), the BLAS and OpenMP thread pools
    of NumPy and SciPy, and a first solver, decomposition and kernel; on random rows of its own."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    rng = np.random.default_rng(context.seed)
    x, y = rng.random((300, 64)), np.arange(300) % 3
    x @ x.T  # noqa: B018 - the BLAS threads start on a product this large
    reduced = PCA(n_components=8, random_state=context.seed).fit_transform(x)
    LogisticRegression(max_iter=20).fit(x, y).predict(x)
    SVC().fit(reduced, y).predict(reduced)


@dataclass
class SklearnClassifier(BaseClassifier):
    """Adapts any scikit-learn estimator (or pipeline) to the interface."""

    estimator: Any = None
    # For an estimator whose prediction runs on one thread and releases the GIL (libsvm's kernel
    # sums): the rows are split over this many threads, so that it predicts on every core it was
    # given, as the other models do. The labels are the same.
    predict_threads: int = 1

    def fit(self, x, y, validation=None):
        self.estimator.fit(flat(x), y)
        return self

    def predict(self, x):
        rows = flat(x)
        if self.predict_threads < 2 or len(rows) < 2 * self.predict_threads:
            return self.estimator.predict(rows)
        with ThreadPoolExecutor(self.predict_threads) as pool:
            return np.concatenate(list(pool.map(self.estimator.predict, np.array_split(rows, self.predict_threads))))

    def predict_proba(self, x):
        if not hasattr(self.estimator, "predict_proba"):
            return super().predict_proba(x)
        return self.estimator.predict_proba(flat(x))

    def final_estimator(self):
        return self.estimator.steps[-1][1] if hasattr(self.estimator, "steps") else self.estimator

    def size_bytes(self):
        return len(pickle.dumps(self.estimator, protocol=pickle.HIGHEST_PROTOCOL))

    def parameter_count(self):
        return learned_numbers(self.estimator)

    def feature_importances(self):
        values = getattr(self.final_estimator(), "feature_importances_", None)
        if values is None:
            return None
        features = self.estimator.steps[0][1] if hasattr(self.estimator, "steps") else None
        return pixel_importances(values, features)

    def describe(self):
        return scalar_params(self.estimator)
