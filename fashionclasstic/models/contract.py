"""The contract every registered model keeps, checked on tiny synthetic data in seconds.

In the spirit of scikit-learn's ``check_estimator``: ``fit`` returns the model itself,
``predict`` gives one integer label in 0..9 per image, the same seed gives the same
predictions, ``describe()`` is JSON, and ``close()`` may be called twice. The suite's tests run
it over every built-in model; run it on your own with::

    from fashionclasstic.models.contract import check_model
    check_model("my_model")
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from fashionclasstic.data import Validation
from fashionclasstic.models.registry import ModelContext, get_model_spec

N_CLASSES = 10


def tiny_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` learnable images: a bright bar whose height encodes the class, on faint noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % N_CLASSES
    x = rng.random((n, 28, 28), dtype=np.float32) * 0.2
    for i, label in enumerate(labels):
        x[i, label * 2:label * 2 + 8, 4:24] += 0.8
    return np.clip(x, 0, 1), labels.astype(np.int64)


def _fit_and_predict(name: str, profile: str, context: ModelContext, overrides: dict[str, Any]):
    spec = get_model_spec(name)
    model = spec.build(profile, context, **{**spec.tiny, **overrides})
    x, y = tiny_images(200, seed=0)
    validation = Validation(*tiny_images(60, seed=1)) if spec.uses_validation else None
    fitted = model.fit(x, y, validation)
    assert fitted is model, f"{name}: fit() must return the model itself (got {type(fitted).__name__})"
    predictions = np.asarray(model.predict(tiny_images(50, seed=2)[0]))
    return model, predictions


def check_model(name: str, profile: str = "smoke", seed: int = 0, **overrides: Any) -> None:
    """Raise ``AssertionError`` naming the first rule ``name`` breaks (and
    :class:`~fashionclasstic.errors.ModelUnavailable` when it cannot run here)."""
    context = ModelContext(seed=seed, threads=1)
    model, predictions = _fit_and_predict(name, profile, context, overrides)
    try:
        assert predictions.shape == (50,), f"{name}: predict() gave shape {predictions.shape} for 50 images"
        assert np.issubdtype(predictions.dtype, np.integer), \
            f"{name}: predict() must give integer labels, got dtype {predictions.dtype}"
        assert set(np.unique(predictions)) <= set(range(N_CLASSES)), f"{name}: predicted labels outside 0..9"
        described = model.describe()
        assert isinstance(described, dict), f"{name}: describe() must return a dict"
        try:
            json.dumps(described, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise AssertionError(f"{name}: describe() is not JSON ({exc})") from None
    finally:
        model.close()
        model.close()  # twice: harmless
    again, repeated = _fit_and_predict(name, profile, context, overrides)
    again.close()
    assert np.array_equal(predictions, repeated), f"{name}: the same seed gave different predictions"
