"""``--fc-ablate``: a recipe's levers, each taken out, run as models of their own, and the
catalogue's ablation table drawn from the saved run."""

import json
from types import SimpleNamespace

import pytest

from fashionclasstic.docs_pages import CATALOGUE_ABLATIONS, ablation_tables, add_run, with_generated_block
from fashionclasstic.errors import ConfigError
from fashionclasstic.models import get_model_spec, register_ablations, register_model, unregister_model
from fashionclasstic.models.registry import ablated_model
from tests.conftest import run_smoke, session_with

SHRUNK_MODEL = '''
from fashionclasstic import register_model
from fashionclasstic.models import SklearnClassifier


@register_model("shrunk", family="prototype", framework="scikit-learn", params={"shrink": 0.5, "metric": "euclidean"},
                profiles={"smoke": {"metric": "manhattan"}, "full": {}}, min_accuracy={"smoke": 0.6},
                ablations={"shrinking": {"shrink": None}})
def shrunk(params, context):
    """Nearest shrunken class mean: one lever, the shrinking."""
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid(shrink_threshold=params["shrink"], metric=params["metric"]))
'''

suite = session_with(SHRUNK_MODEL)


@pytest.fixture
def levers():
    @register_model("levered", family="test", framework="none", params={"a": 1, "b": 2, "epochs": 10},
                    profiles={"smoke": {"epochs": 2, "a": 5}, "full": {}}, min_accuracy={"full": 0.5},
                    ablations={"a_lever": {"a": 0}, "b": {"b": 0, "epochs": 12}})
    def levered(params, context):
        return SimpleNamespace(name="levered", params=params)

    yield get_model_spec("levered")
    for name in ("levered", "levered-without-a_lever", "levered-without-b"):
        unregister_model(name)


def test_a_model_without_a_lever_has_the_lever_out_on_every_profile_and_no_gate(levers):
    variant = levers.without("a_lever")
    assert variant.name == "levered-without-a_lever" and ablated_model(variant.name) == ("levered", "a_lever")
    assert variant.params_for("full") == {"a": 0, "b": 2, "epochs": 10}
    assert variant.params_for("smoke") == {"a": 0, "b": 2, "epochs": 2}  # the lever wins over the profile
    assert levers.without("b").params_for("smoke") == {"a": 5, "b": 0, "epochs": 12}
    assert variant.min_accuracy == {} and variant.ablations == {}
    assert variant.description == "levered without a lever"
    assert register_ablations("levered") == ["levered-without-a_lever", "levered-without-b"]
    built = get_model_spec("levered-without-b").build("smoke", None)  # the model's own factory ...
    assert built.params == {"a": 5, "b": 0, "epochs": 12}
    assert built.name == "levered-without-b"  # ... named as the run names it, in its logs and live progress
    assert register_ablations("levered-without-b") == []  # an ablation has no levers of its own
    with pytest.raises(ConfigError, match="has no lever 'c'; its levers: a_lever, b"):
        levers.without("c")


@pytest.mark.parametrize(("ablations", "message"), [
    ({"Bad Name": {"a": 0}}, "lever 'Bad Name' must be lower-case letters"),
    ({"ok": {"nope": 0}}, "unknown parameter 'nope' in ablation 'ok'"),
])
def test_a_lever_is_refused_at_registration_with_one_line(ablations, message):
    with pytest.raises(ConfigError, match=message):
        register_model("refused", family="test", framework="none", params={"a": 1}, ablations=ablations)(
            lambda params, context: params)
    unregister_model("refused")


def test_names_that_are_not_ablations():
    assert ablated_model("cnn") is None and ablated_model("-without-x") is None
    assert ablated_model("a-without-B") is None


@pytest.mark.slow
def test_fc_ablate_runs_each_lever_out_under_xdist_and_the_catalogue_tables_it(suite, tmp_path):
    result = run_smoke(suite, "--fc-models=shrunk", "--fc-ablate", "-n", "2", "--fc-report-dir=report")
    result.assert_outcomes(passed=4)
    models = {m["model"]: m for m in json.loads((suite.path / "report/results.json").read_text())["models"]}
    assert set(models) == {"shrunk", "shrunk-without-shrinking"}
    whole, without = models["shrunk"], models["shrunk-without-shrinking"]
    assert (whole["gate"], without["gate"]) == ("pass", "ungated")
    shrinks = whole["hyperparameters"]["shrink_threshold"], without["hyperparameters"].get("shrink_threshold")
    assert shrinks == (0.5, None)
    assert whole["hyperparameters"]["metric"] == without["hyperparameters"]["metric"] == "manhattan"
    assert whole["accuracy"] != without["accuracy"]

    docs = tmp_path / "docs"
    add_run(suite.path / "report", docs)
    text = ablation_tables(docs)
    assert "`shrunk`: run " in text and "smoke profile" in text and "one seed each" in text
    change = f"{(without['accuracy'] - whole['accuracy']) * 100:+.2f}"
    assert f"| without shrinking | {without['accuracy']:.4f} | {change} |" in text
    assert f"| every lever | {whole['accuracy']:.4f} |" in text
    page = docs / "models.md"
    page.write_text(f"# Models\n\n{CATALOGUE_ABLATIONS[0]}\nold\n{CATALOGUE_ABLATIONS[1]}\n\nafter\n")
    assert with_generated_block(page, CATALOGUE_ABLATIONS, text).endswith(f"{text}\n\n{CATALOGUE_ABLATIONS[1]}\n\n"
                                                                          "after\n")


def test_thresholds_from_an_ablation_run_gate_the_recipe_alone():
    from fashionclasstic.thresholds import entries_from_run

    run = {"run": {"id": "r", "profile": "smoke"},
           "models": [{"model": name, "profile": "smoke", "status": "passed", "accuracy": 0.9,
                       "repeats": [{"seed": 0, "accuracy": 0.9, "train_seconds": 1.0}]}
                      for name in ("shrunk", "shrunk-without-shrinking")]}
    assert [entry.model for entry in entries_from_run(run)] == ["shrunk"]
