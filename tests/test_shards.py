"""Expected seconds per model, and their split into balanced shards (``--fc-shard K/N``)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fashionclasstic.errors import ConfigError
from fashionclasstic.models import get_model_spec, list_models
from fashionclasstic.shards import (
    NO_ESTIMATE,
    REGISTRY,
    SKIPS,
    balanced_shards,
    expected_seconds,
    parse_shard,
)
from tests.conftest import timed_run

# A reference run (README, "Results", the Zen 4 run of 2026-11-26: bash .ci/bench, full profile,
# 2 cores of an AMD EPYC Zen 4): training seconds and inference seconds of one round over 10,000
# images, per model.
REFERENCE_FULL_RUN = {
    "cnn": (441.6, 1.82), "hog_svm": (97.7, 20.6), "cnn_rnn": (157.8, 0.69), "xgboost_features": (83.0, 0.49),
    "dnn": (70.2, 0.17), "svm": (66.8, 17.8), "xgboost": (135.7, 0.16), "random_forest_features": (70.4, 0.71),
    "mobilenetv2_scratch": (287.8, 2.21), "random_forest": (35.9, 0.23), "deit_scratch": (178.0, 2.95),
    "logreg": (33.6, 0.006), "decision_tree": (21.7, 0.004),
}


@pytest.mark.parametrize("text", ["0/3", "4/3", "x", "1/0", "3", "-1/3", "1/3/2", ""])
def test_a_malformed_shard_is_one_clear_error(text):
    with pytest.raises(ConfigError, match=r"write K/N, shard K of N with 1 <= K <= N"):
        parse_shard(text)


def test_a_shard_is_parsed():
    assert parse_shard("2/3") == (2, 3) and parse_shard(" 1/1 ") == (1, 1)


def test_every_model_lands_in_exactly_one_shard_whatever_the_order():
    seconds = {name: train for name, (train, _) in REFERENCE_FULL_RUN.items()}
    shards = balanced_shards(seconds, 4)
    assert sorted(m for shard in shards for m in shard) == sorted(seconds)
    shuffled = list(seconds.items())
    random.Random(3).shuffle(shuffled)
    assert balanced_shards(dict(shuffled), 4) == shards
    assert balanced_shards({"a": 1.0, "b": 1.0}, 3) == [["a"], ["b"], []]


def test_shards_of_the_reference_run_stay_within_a_quarter_of_the_even_share(tmp_path):
    """With the reference full run's durations, no shard of 3 holds more than
    max(1.25 x total / 3, the longest single model) expected seconds."""
    run = timed_run(tmp_path / "runs", "full", REFERENCE_FULL_RUN, "2026-11-26T10:00:00+00:00", "reference")
    for repeats in (1, 3):
        expected = expected_seconds(REFERENCE_FULL_RUN, "full", repeats, source=str(run))
        assert set(expected.origins.values()) == {f"run reference ({run})"}
        bound = max(1.25 * expected.total / 3, max(expected.seconds.values()))
        loads = [sum(expected.seconds[m] for m in shard) for shard in balanced_shards(expected.seconds, 3)]
        assert max(loads) <= bound, (repeats, loads, bound)
    # cnn: 441.6 s of training and its evaluation (1.82 s), then 5 timed rounds (warmed up by the evaluation)
    assert expected_seconds(["cnn"], "full", 1, source=str(run)).seconds["cnn"] == pytest.approx(441.6 + 6 * 1.82,
                                                                                                  abs=0.05)


def test_the_registry_estimates_balance_the_full_suite_as_well():
    models = [m for m in list_models() if get_model_spec(m).expected_seconds]
    assert set(REFERENCE_FULL_RUN) <= set(models)
    for profile in ("smoke", "full"):
        expected = expected_seconds(models, profile, 1, runs_dir=Path("/nonexistent"))
        assert set(expected.origins.values()) == {REGISTRY}
        bound = max(1.25 * expected.total / 3, max(expected.seconds.values()))
        assert max(sum(expected.seconds[m] for m in shard) for shard in balanced_shards(expected.seconds, 3)) <= bound


def test_the_newest_saved_run_of_the_same_profile_is_used_and_named(tmp_path):
    runs = tmp_path / "runs"
    timed_run(runs, "smoke", {"logreg": (1.0, 0.0)}, "2026-11-20T10:00:00+00:00", "older")
    timed_run(runs, "smoke", {"logreg": (9.0, 0.0), "svm": (4.0, 0.5)}, "2026-11-21T10:00:00+00:00", "newer")
    timed_run(runs, "full", {"logreg": (50.0, 0.0)}, "2026-11-22T10:00:00+00:00", "other-profile")
    expected = expected_seconds(["logreg", "svm", "decision_tree"], "smoke", 2, runs_dir=runs)
    assert expected.seconds["logreg"] == 18.0  # 2 repeats of 9 s
    assert expected.seconds["svm"] == pytest.approx(2 * 4.5 + 0.5 * 5)
    assert expected.origins["decision_tree"] == REGISTRY
    assert expected.seconds["decision_tree"] == pytest.approx(2 * get_model_spec("decision_tree")
                                                              .expected_seconds["smoke"][0], abs=0.1)
    assert expected.source_text() == (f"run newer ({runs / 'newer' / 'results.json'}) for logreg, svm; "
                                      f"registry estimates for decision_tree")


def test_a_named_run_of_another_profile_or_an_unreadable_one_is_refused(tmp_path):
    full = timed_run(tmp_path, "full", {"logreg": (50.0, 0.0)}, "2026-11-22T10:00:00+00:00", "full-run")
    with pytest.raises(ConfigError, match="measured profile full, this run is smoke"):
        expected_seconds(["logreg"], "smoke", source=str(full))
    with pytest.raises(ConfigError, match="--fc-durations .*nowhere"):
        expected_seconds(["logreg"], "smoke", source=str(tmp_path / "nowhere"))


def test_a_model_without_any_estimate_takes_the_median_and_says_so(tmp_path):
    from fashionclasstic import register_model
    from fashionclasstic.models.registry import unregister_model

    register_model("unmeasured", family="test", framework="none")(lambda params, context: None)
    try:
        expected = expected_seconds(["logreg", "svm", "unmeasured"], "smoke", runs_dir=tmp_path)
    finally:
        unregister_model("unmeasured")
    assert expected.origins["unmeasured"] == NO_ESTIMATE
    # the median of the two, each shown to a tenth of a second
    assert expected.seconds["unmeasured"] == pytest.approx((expected.seconds["logreg"] + expected.seconds["svm"]) / 2,
                                                           abs=0.05)
    assert "no estimate (the median) for unmeasured" in expected.source_text()


def test_a_model_that_will_skip_here_counts_nothing_and_not_in_the_median(tmp_path):
    """A pretrained model without its weights skips in seconds: 0 s in the header's estimate and
    the shard plan, and the median given to a model without an estimate is the others'."""
    from fashionclasstic import register_model
    from fashionclasstic.models.registry import unregister_model

    register_model("unmeasured", family="test", framework="none")(lambda params, context: None)
    try:
        expected = expected_seconds(["logreg", "svm", "xgboost", "unmeasured"], "smoke", runs_dir=tmp_path,
                                    skip_reason=lambda model: "no weights here" if model == "xgboost" else None)
    finally:
        unregister_model("unmeasured")
    assert expected.seconds["xgboost"] == 0 and expected.origins["xgboost"] == SKIPS
    assert expected.seconds["unmeasured"] == pytest.approx((expected.seconds["logreg"] + expected.seconds["svm"]) / 2,
                                                           abs=0.05)
    assert "0 s as they will skip here for xgboost" in expected.source_text()
    assert balanced_shards(expected.seconds, 2)[0] != ["xgboost"]


def test_bad_registry_estimates_are_refused():
    from fashionclasstic import register_model

    with pytest.raises(ConfigError, match="expected_seconds\\['smoke'\\] must be seconds"):
        register_model("bad_estimate", family="test", framework="none",
                       expected_seconds={"smoke": (1.0, -2.0)})(lambda params, context: None)
