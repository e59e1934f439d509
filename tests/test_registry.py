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

CLASSIC = ["logreg", "svm", "decision_tree", "random_forest", "random_forest_features", "xgboost",
           "xgboost_features", "hog_svm"]


def test_builtin_models_are_registered_in_order():
    assert list_models()[:8] == CLASSIC


def test_filters_and_patterns():
    assert list_models("*tree*") == ["decision_tree"]
    assert list_models(framework="scikit-learn")[:4] == ["logreg", "svm", "decision_tree", "random_forest"]
    assert list_models(family="boosting") == ["xgboost", "xgboost_features"]


def test_unknown_model_names_the_registered_ones():
    with pytest.raises(ConfigError, match="unknown model 'resnet'; registered models: logreg, svm"):
        get_model_spec("resnet")


def test_profiles_choose_parameters():
    spec = get_model_spec("random_forest")
    assert spec.params_for("smoke")["n_estimators"] < spec.params_for("full")["n_estimators"]
    model = create_model("random_forest", ModelContext(seed=7, threads=1), "smoke")
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


def test_why_a_model_would_skip_here_is_its_missing_framework_or_its_absent_weights(scratch_model, tmp_path):
    def weights(params, context):
        found = context.weights_dir and context.weights_dir / params["file"]
        if not (found and found.is_file()):
            raise ModelUnavailable(f"needs_weights: {params['file']} is not in --fc-weights-dir")
        return found

    @scratch_model("needs_weights", params={"file": "w.bin"}, weights=weights)
    def needs_weights(params, context):
        return None

    @scratch_model("needs_both", requires=("quantum_framework_not_installed",), weights=weights,
                   params={"file": "w.bin"})
    def needs_both(params, context):
        return None

    spec = get_model_spec("needs_weights")
    assert spec.skip_reason("smoke") == "needs_weights: w.bin is not in --fc-weights-dir"
    (tmp_path / "w.bin").write_bytes(b"")
    assert spec.skip_reason("smoke", ModelContext(weights_dir=tmp_path)) is None
    assert "needs quantum_framework_not_installed" in get_model_spec("needs_both").skip_reason("smoke")
    assert get_model_spec("logreg").skip_reason("smoke") is None


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
    assert model.fit(x, y) is model
    assert model.predict(x).shape == (60,)
    assert model.predict_proba(x).shape == (60, 10)
    assert model.parameter_count() == 784 * 10 + 10
    assert model.size_bytes() > 784 * 10 * 4  # float32 weights, pickled


def test_variants_are_the_base_with_the_profiles_overrides():
    spec = get_model_spec("dnn")
    smoke, full = spec.params_for("smoke"), spec.params_for("full")
    assert full == dict(spec.params) and smoke == dict(spec.params, **spec.profiles["smoke"])
    assert smoke["epochs"] < full["epochs"] and smoke["units"] == full["units"]


def test_an_unknown_parameter_is_refused_naming_the_model_and_key(scratch_model):
    with pytest.raises(ConfigError, match=r"model 'typo': unknown parameter 'n_estimator' in profile 'smoke'"):
        scratch_model("typo", params={"n_estimators": 10}, profiles={"smoke": {"n_estimator": 5}})(print)
    with pytest.raises(ConfigError, match=r"model 'logreg': unknown parameter 'max_iters' in the overrides"):
        create_model("logreg", max_iters=3)


def test_a_profile_the_model_does_not_define_is_refused(scratch_model):
    @scratch_model("smoke_only", params={"k": 1}, profiles={"smoke": {}})
    def smoke_only(params, context):
        return None

    with pytest.raises(ConfigError, match=r"'smoke_only' defines no parameters for profile 'full'; it defines: smoke"):
        create_model("smoke_only", profile="full")
    with pytest.raises(ConfigError, match=r"model 'bad_profile': unknown profile 'medium'"):
        scratch_model("bad_profile", profiles={"medium": {}})(print)


def test_a_model_without_profiles_uses_its_base_everywhere(scratch_model):
    @scratch_model("plain", params={"k": 3})
    def plain(params, context):
        return params

    assert create_model("plain", profile="smoke") == {"k": 3} == create_model("plain", profile="full", k=3)


def test_nested_estimators_are_described_and_counted():
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x, y = rng.random((60, 28, 28), dtype=np.float32), np.arange(60) % 10
    wrapped = SklearnClassifier(estimator=make_pipeline(StandardScaler(), OneVsRestClassifier(
        LogisticRegression(C=0.5, max_iter=50)))).fit(x, y)
    described = wrapped.describe()
    assert described["onevsrestclassifier__estimator__C"] == 0.5
    assert described["standardscaler__with_mean"] is True
    assert wrapped.parameter_count() == 10 * (784 + 1)
