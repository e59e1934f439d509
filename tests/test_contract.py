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
    (Constant(returns_self=False), "fit() must return the model itself"),
    (Constant(dtype=np.float64), "must give integer labels"),
    (Constant(label=12), "predicted labels outside 0..9"),
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
