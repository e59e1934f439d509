"""The model contract (``fashionclasstic.models.contract``) over every registered model, and
proof that it catches the breaches it names."""

import re

import numpy as np
import pytest

from fashionclasstic.errors import ModelUnavailable
from fashionclasstic.models import BaseClassifier, list_models, register_model, unregister_model
from fashionclasstic.models.contract import check_model


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_keeps_the_contract(name):
    try:
        check_model(name)
    except ModelUnavailable as exc:  # pretrained weights or a framework absent here
        pytest.skip(str(exc))


class Constant(BaseClassifier):
    def __init__(self, returns_self=True, label=3, dtype=np.int64, description=None):
        super().__init__()
        self.returns_self, self.label, self.dtype = returns_self, label, dtype
        self.description = description or {}

    def fit(self, x, y, validation=None):
        return self if self.returns_self else None

    def predict(self, x):
        return np.full(len(x), self.label, dtype=self.dtype)

    def describe(self):
        return self.description


class Unseeded(Constant):
    def predict(self, x):
        return np.random.default_rng().integers(0, 10, len(x))


@pytest.mark.parametrize("model, message", [
    (Constant(returns_self=False), "fit() returned None, not the model: end fit with 'return self'"),
    (Constant(dtype=np.float64), "dtype float64, values 3.0..3.0 for 50 images; return integers (predictions.astype"),
    (Constant(label=12), "values 12..12 for 50 images; labels are the class indices: return one integer label in 0..9"),
    (Constant(description={"path": object()}), "describe() is not JSON"),
    (Unseeded(), "the same seed gave different predictions"),
])
def test_the_contract_names_each_breach(model, message):
    register_model("breach", family="test", framework="none")(lambda params, context: model)
    try:
        with pytest.raises(AssertionError, match=re.escape(message)):
            check_model("breach")
    finally:
        unregister_model("breach")


class Plain:
    """Only what the suite needs: fit and predict, no base class."""

    def fit(self, x, y, validation=None):
        return self

    def predict(self, x):
        return np.arange(len(x)) % 10


class Mutator(Plain):
    def fit(self, x, y, validation=None):
        x *= 2
        return self


class Probabilities(Plain):
    def predict(self, x):
        return np.full((len(x), 10), 0.1, dtype=np.float32)


class Column(Plain):
    def predict(self, x):
        return super().predict(x)[:, None]


class Counted(Plain):
    def parameter_count(self):
        return "many"


@pytest.mark.parametrize("model, message", [
    (Mutator(), "breach: fit() tried to write into the images it was given (output array is read-only)"),
    (Probabilities(), "breach: predict() gave shape (50, 10), dtype float32, values 0.1..0.1 for 50 images; "
                      "probabilities or scores? return their argmax (predictions.argmax(axis=1))"),
    (Column(), "shape (50, 1), dtype int64, values 0..9 for 50 images; return a flat array"),
    (Counted(), "breach: parameter_count() must return a count (an int, or None when unknown), got 'many'"),
    ("a string", "breach: its factory returned str, which has no fit() and no predict()"),
])
def test_a_plain_object_keeps_the_contract_and_its_breaches_read_as_a_run_says_them(model, message):
    register_model("plain", family="test", framework="none")(lambda params, context: Plain())
    register_model("breach", family="test", framework="none")(lambda params, context: model)
    try:
        check_model("plain")
        with pytest.raises(AssertionError, match=re.escape(message)):
            check_model("breach")
    finally:
        unregister_model("plain")
        unregister_model("breach")
