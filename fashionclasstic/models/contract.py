"""The contract every registered model keeps, checked on tiny synthetic data in seconds.

In the spirit of scikit-learn's ``check_estimator``: ``fit`` returns the model itself and
leaves its (read-only) input alone, ``predict`` gives one integer label in 0..9 per image, the
optional methods work where present, the same seed gives the same predictions, ``describe()``
is JSON, and ``close()`` may be called twice. The messages are the ones a run gives (see
:mod:`.protocol`). The suite's tests run it over every built-in model; run it on your own with::

    from fashionclasstic.models.contract import check_model
    check_model("my_model")
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from fashionclasstic.data import Validation
from fashionclasstic.errors import ModelError
from fashionclasstic.models.protocol import (
    N_CLASSES,
    as_labels,
    check_protocol,
    close_model,
    fit_model,
    model_details,
    predict_raw,
)
from fashionclasstic.models.registry import ModelContext, get_model_spec


def tiny_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` learnable images: a bright bar whose height encodes the class, on faint noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % N_CLASSES
    x = rng.random((n, 28, 28), dtype=np.float32) * 0.2
    for i, label in enumerate(labels):
        x[i, label * 2:label * 2 + 8, 4:24] += 0.8
    return np.clip(x, 0, 1), labels.astype(np.int64)


def _fit_and_predict(name: str, profile: str, context: ModelContext, overrides: dict[str, Any]):
    """The model fitted and its predictions, as a run calls them (read-only inputs)."""
    spec = get_model_spec(name)
    model = spec.build(profile, context, **{**spec.tiny, **overrides})
    check_protocol(model, name)
    x, y = tiny_images(200, seed=0)
    validation = Validation(*tiny_images(60, seed=1)) if spec.uses_validation else None
    note = fit_model(model, name, x, y, validation)
    assert not note, f"{name}: {note}"
    return model, as_labels(name, predict_raw(model, name, tiny_images(50, seed=2)[0]), 50)


def check_model(name: str, profile: str = "smoke", seed: int = 0, **overrides: Any) -> None:
    """Raise ``AssertionError`` naming the first rule ``name`` breaks (and
    :class:`~fashionclasstic.errors.ModelUnavailable` when it cannot run here)."""
    context = ModelContext(seed=seed, threads=1)
    try:
        model, predictions = _fit_and_predict(name, profile, context, overrides)
        try:
            described = model_details(model, name)["hyperparameters"]
            try:
                json.dumps(described, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise AssertionError(f"{name}: describe() is not JSON ({exc})") from None
        finally:
            close_model(model, name)
            close_model(model, name)  # twice: harmless
        again, repeated = _fit_and_predict(name, profile, context, overrides)
        close_model(again, name)
    except ModelError as exc:  # the same words a run would use
        raise AssertionError(str(exc)) from None
    assert np.array_equal(predictions, repeated), f"{name}: the same seed gave different predictions"
