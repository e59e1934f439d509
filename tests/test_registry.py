import numpy as np
import pytest

from fashionclasstic.errors import ConfigError, ModelUnavailable
from fashionclasstic.models import (
    ModelContext,
    SklearnClassifier,
    create_model,
    get_model_spec,
    list_models,
    register_model,
    unregister_model,
)

CLASSIC = ["logreg", "svm", "decision_tree", "random_forest", "xgboost"]


def test_builtin_models_are_registered_in_order():
    assert list_models()[:5] == CLASSIC


def test_filters_and_patterns():
    assert list_models("*tree*") == ["decision_tree"]
    assert list_models(framework="scikit-learn")[:4] == ["logreg", "svm", "decision_tree", "random_forest"]
    assert list_models(family="boosting") == ["xgboost"]


def test_unknown_model_names_the_registered_ones():
    with pytest.raises(ConfigError, match="unknown model 'resnet'; registered models: logreg, svm"):
        get_model_spec("resnet")


def test_profiles_choose_parameters():
    spec = get_model_spec("random_forest")
    assert spec.params_for("smoke")["n_estimators"] < spec.params_for("full")["n_estimators"]
    model = create_model("random_forest", ModelContext(profile="smoke", seed=7, threads=1))
    forest = model.final_estimator()
    assert forest.n_estimators == spec.params_for("smoke")["n_estimators"]
    assert forest.random_state == 7 and forest.n_jobs == 1


@pytest.fixture
def scratch_model():
    names = []

    def register(name, **kwargs):
        names.append(name)
        return register_model(name, family="test", framework="scikit-learn", **kwargs)

    yield register
    for name in names:
        unregister_model(name)


def test_a_model_missing_its_framework_is_unavailable_with_the_extra(scratch_model):
    @scratch_model("needs_quantum", requires=("quantum_framework_not_installed",), extra="quantum")
    def needs_quantum(params, context):
        raise AssertionError("never built")

    with pytest.raises(ModelUnavailable, match=r"needs quantum_framework_not_installed.*fashionclasstic\[quantum\]"):
        create_model("needs_quantum")


def test_duplicate_names_are_refused(scratch_model):
    @scratch_model("twice")
    def first(params, context):
        return None

    with pytest.raises(ConfigError, match="already registered"):
        @register_model("twice", family="test", framework="x")
        def second(params, context):
            return None


def test_sklearn_adapter_fits_images_and_reports_size():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x, y = rng.random((60, 28, 28), dtype=np.float32), np.arange(60) % 10
    model = SklearnClassifier(estimator=LogisticRegression(max_iter=50))
    model.fit(x, y)
    assert model.predict(x).shape == (60,)
    assert model.predict_proba(x).shape == (60, 10)
    assert model.parameter_count() == 784 * 10 + 10
    assert model.size_bytes() > 784 * 10 * 4  # float32 weights, pickled
