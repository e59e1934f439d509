"""What the suite needs from a model, and how it asks: ``fit(x, y, validation)`` and
``predict(x)`` are required; ``prepare``, ``close``, ``parameter_count``, ``size_bytes``, ``describe``,
``feature_importances`` and ``history`` are looked up when present, with a default when absent.

A user's model runs next to the suite's, so it must not be able to hurt them: the arrays it is
given are read-only views of the data every model shares (a model that writes into them gets
one error naming it), and whatever it gets wrong (a prediction that is not one label per image,
a method that raises) is reported as that model's failure, with what it got and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from fashionclasstic.errors import ModelError

N_CLASSES = 10
READ_ONLY_MESSAGES = ("read-only", "not writeable", "not writable")


def read_only(array):
    """A read-only view of ``array`` (free: no copy); anything that is not an array as it is."""
    if not isinstance(array, np.ndarray):
        return array
    view = array.view()
    view.flags.writeable = False
    return view


def _wrote_into_input(exc: BaseException) -> bool:
    return isinstance(exc, ValueError) and any(text in str(exc) for text in READ_ONLY_MESSAGES)


def _input_error(name: str, method: str, exc: BaseException) -> ModelError:
    return ModelError(f"{name}: {method}() tried to write into the images it was given ({exc}); the suite's "
                      f"arrays are shared by every model and read-only: work on a copy (x = x.copy(), or "
                      f"x = x * 2 instead of x *= 2)")


def check_protocol(model, name: str) -> None:
    """The object a factory returned has what the suite needs: ``fit`` and ``predict``."""
    missing = [method for method in ("fit", "predict") if not callable(getattr(model, method, None))]
    if missing:
        raise ModelError(f"{name}: its factory returned {type(model).__name__}, which has no "
                         f"{' and no '.join(m + '()' for m in missing)}; a model needs fit(x, y, validation) and "
                         f"predict(x)")


def fit_model(model, name: str, x: np.ndarray, y: np.ndarray, validation=None) -> str:
    """Fit on read-only views of the data; returns a note when ``fit`` did not return the model
    (the suite does not need it, but scikit-learn's convention is ``return self``)."""
    if validation is not None:
        validation = type(validation)(read_only(validation.x), read_only(validation.y))
    try:
        fitted = model.fit(read_only(x), read_only(y), validation)
    except ValueError as exc:
        if _wrote_into_input(exc):
            raise _input_error(name, "fit", exc) from None
        raise
    if fitted is model:
        return ""
    got = "None" if fitted is None else f"a {type(fitted).__name__}"
    return f"fit() returned {got}, not the model: end fit with 'return self' (as scikit-learn does)"


def prepare_model(model, name: str, training_data: Callable[[], tuple]) -> float | None:
    """The model's optional ``prepare(x, y, validation)``, called before its timed ``fit`` with
    the same data (``training_data()``): the suite's own choices (a network's precision) that
    are not the model's training. Its seconds, or ``None`` when the model has no ``prepare``."""
    prepare = getattr(model, "prepare", None)
    if not callable(prepare):
        return None
    x, y, validation = training_data()
    if validation is not None:
        validation = type(validation)(read_only(validation.x), read_only(validation.y))
    started = time.perf_counter()
    prepare(read_only(x), read_only(y), validation)
    return time.perf_counter() - started


def predict_raw(model, name: str, x: np.ndarray):
    """``model.predict`` on a read-only view of ``x``, as the timed inference calls it."""
    try:
        return model.predict(read_only(x))
    except ValueError as exc:
        if _wrote_into_input(exc):
            raise _input_error(name, "predict", exc) from None
        raise


def describe_array(values: np.ndarray) -> str:
    """``shape (2000, 10), dtype float32, values 0.0..1.0``: what a model returned."""
    text = f"shape {values.shape}, dtype {values.dtype}"
    if values.size and (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        finite = values[np.isfinite(values)] if np.issubdtype(values.dtype, np.floating) else values
        if finite.size:
            text += f", values {_number(finite.min())}..{_number(finite.max())}"
        if finite.size < values.size:
            text += f", {values.size - finite.size} not finite"
    return text


def _number(value) -> str:
    if isinstance(value, np.floating):
        return np.format_float_positional(value, precision=4, trim="0")
    return str(value.item() if hasattr(value, "item") else value)


def as_labels(name: str, predictions, n_images: int) -> np.ndarray:
    """``predictions`` as one integer label in 0..9 per image, or a :class:`ModelError` that
    says what ``predict`` gave and what to do (what it gave first: a table shortens it)."""
    wanted = f"one integer label in 0..9 per image, shape ({n_images},)"
    try:
        values = np.asarray(predictions)
    except Exception as exc:  # noqa: BLE001 - ragged lists and the like: say so
        raise ModelError(f"{name}: predict() gave a {type(predictions).__name__} that is not an array ({exc}); "
                         f"return {wanted}") from None
    if values.shape != (n_images,):
        if values.ndim == 2 and values.shape == (n_images, N_CLASSES):
            todo = f"probabilities or scores? return their argmax (predictions.argmax(axis=1)), {wanted}"
        elif values.size == n_images:
            todo = f"return a flat array (predictions.ravel()), {wanted}"
        else:
            todo = f"return {wanted}"
    elif not np.issubdtype(values.dtype, np.integer):
        integral = (np.issubdtype(values.dtype, np.floating) and np.all(np.isfinite(values))
                    and np.array_equal(values, np.round(values)))
        todo = f"return integers (predictions.astype(int)), {wanted}" if integral else f"return {wanted}"
    elif values.size and (values.min() < 0 or values.max() >= N_CLASSES):
        todo = f"labels are the class indices: return {wanted}"
    else:
        return values.astype(np.int64, copy=False)
    raise ModelError(f"{name}: predict() gave {describe_array(values)} for {n_images} images; {todo}")


def _optional(model, name: str, method: str, default: Any = None) -> Any:
    """The result of an optional method (``default`` when the model has none); an optional
    method that fails is the model's failure, said in one line."""
    found = getattr(model, method, None)
    if found is None:
        return default
    try:
        return found() if callable(found) else found
    except Exception as exc:  # noqa: BLE001 - a user's method: its failure is the model's, named
        raise ModelError(f"{name}: {method}() failed ({type(exc).__name__}: {exc})") from None


def _count(name: str, method: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise ModelError(f"{name}: {method}() must return a count (an int, or None when unknown), got {value!r}")


def model_details(model, name: str) -> dict[str, Any]:
    """What a fitted model can tell beyond its predictions, each part checked: parameter
    count, serialised size, per-epoch history, per-pixel importances, hyper-parameters, and the
    precision a network trained in."""
    history = _optional(model, name, "history", {}) or {}
    try:
        history = {str(key): [float(v) for v in values] for key, values in dict(history).items()}
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name}: history must map a name to a list of numbers per epoch ({exc})") from None
    importances = _optional(model, name, "feature_importances")
    try:
        importances = None if importances is None else [float(v) for v in np.ravel(importances)]
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name}: feature_importances() must return numbers or None ({exc})") from None
    described = _optional(model, name, "describe", {}) or {}
    if not isinstance(described, dict):
        raise ModelError(f"{name}: describe() must return a dict of hyper-parameters, got {type(described).__name__}")
    return {"parameter_count": _count(name, "parameter_count", _optional(model, name, "parameter_count")),
            "size_bytes": _count(name, "size_bytes", _optional(model, name, "size_bytes")),
            "history": history, "feature_importances": importances, "hyperparameters": described,
            "precision": str(getattr(model, "precision", "") or "")}


def close_model(model, name: str) -> None:
    """``close()`` when the model has one (to free framework memory)."""
    _optional(model, name, "close")

