from dataclasses import replace

import pytest

from fashionclasstic.errors import ConfigError
from fashionclasstic.models import get_model_spec, list_models
from fashionclasstic.profiles import PROFILES, get_profile
from fashionclasstic.thresholds import default_thresholds_path, load_thresholds, read_thresholds

GOOD = """
[logreg.smoke]
seeds = [0, 1, 2]
measured = 0.84
std = 0.002
margin = 0.006
min_accuracy = 0.834
run = "test"
"""


def write(tmp_path, text):
    path = tmp_path / "thresholds.toml"
    path.write_text(text)
    return path


def test_a_valid_file_loads(tmp_path):
    threshold = read_thresholds(write(tmp_path, GOOD), strict=True)[("logreg", "smoke")]
    assert threshold.min_accuracy == pytest.approx(0.834) and threshold.margin == pytest.approx(0.006)
    assert threshold.seeds == (0, 1, 2) and threshold.std == pytest.approx(0.002)


# Full-profile runs not measured yet (they need ~35 min of an otherwise idle 2-core machine,
# or weights this machine cannot download); their full cases run ungated until a measured run
# adds them. Remove a name here when its entry lands: the test then requires it.
FULL_NOT_YET_MEASURED = {"mobilenetv2", "deit"}


def test_the_shipped_file_is_valid_and_gates_every_builtin_model():
    thresholds = load_thresholds()
    builtin = [m for m in list_models() if get_model_spec(m).factory.__module__.startswith("fashionclasstic.")]
    missing = [(model, profile) for model in builtin for profile in PROFILES
               if (model, profile) not in thresholds
               and not (profile == "full" and model in FULL_NOT_YET_MEASURED)
               and not (profile == "smoke" and model in {"mobilenetv2", "deit"})]
    assert not missing, f"models without a measured threshold: {missing}"
    stale = [model for model in FULL_NOT_YET_MEASURED if (model, "full") in thresholds]
    assert not stale, f"measured now, remove from FULL_NOT_YET_MEASURED: {stale}"



SMOKE_SENSITIVITY = 0.02  # the CI gate catches a drop of the mean of 2 points in every model


def test_every_shipped_smoke_gate_is_measured_over_seeds_and_catches_a_two_point_drop():
    loose = {model: (gate.margin, len(gate.seeds)) for (model, profile), gate in load_thresholds().items()
             if profile == "smoke" and not (len(gate.seeds) >= 3 and gate.margin <= SMOKE_SENSITIVITY)}
    assert not loose, f"smoke gates measured on fewer than 3 seeds or with a margin over 2 points: {loose}"


@pytest.mark.parametrize("text, message", [
    (GOOD.replace("min_accuracy = 0.834", "min_accuracy = 0.80"), "must equal measured - margin"),
    (GOOD.replace("margin = 0.006", "margin = 0.02").replace("0.834", "0.82"), "does not follow the rule"),
    (GOOD.replace("seeds = [0, 1, 2]", "seeds = []"), "seeds must be a list"),
    (GOOD.replace("[logreg.smoke]", "[logreg.quick]"), "unknown profile"),
    (GOOD.replace('run = "test"\n', ""), "needs exactly the keys"),
    (GOOD.replace("margin = 0.006", "margin = 0.2").replace("0.834", "0.64"), "margin=0.2 must lie"),
    (GOOD.replace("measured = 0.84", "measured = 84").replace("0.834", "83.994"), "not an accuracy"),
    (GOOD.replace("margin = 0.006", 'margin = "1%"'), "must be numbers"),
    ("[logreg\n", "not valid TOML"),
])
def test_mistakes_are_named(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        read_thresholds(write(tmp_path, text), strict=True)


def test_a_users_file_adds_to_the_suites_and_may_hold_only_min_accuracy(tmp_path):
    thresholds = load_thresholds(write(tmp_path, "[decision_tree.smoke]\nmin_accuracy = 0.99\n[knn.smoke]\n"
                                                 "min_accuracy = 0.7\n"))
    assert thresholds[("decision_tree", "smoke")].min_accuracy == 0.99
    assert thresholds[("knn", "smoke")].origin == str(tmp_path / "thresholds.toml")
    suite = read_thresholds(default_thresholds_path(), strict=True)
    assert thresholds[("logreg", "smoke")] == suite[("logreg", "smoke")]  # kept
    with pytest.raises(ConfigError, match=r"\[knn.smoke\]: needs min_accuracy, and may record only"):
        load_thresholds(write(tmp_path, "[knn.smoke]\nmeasured = 0.7\n"))
    with pytest.raises(ConfigError, match="must equal measured - margin"):  # what it records must agree
        load_thresholds(write(tmp_path, "[knn.smoke]\nmin_accuracy = 0.5\nmeasured = 0.7\nmargin = 0.01\n"))


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the thresholds file"):
        load_thresholds(tmp_path / "nope.toml")


def test_unknown_profile_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown profile 'fast'; choose one of: smoke, full"):
        get_profile("fast")


def test_entries_are_written_from_a_saved_run_with_repeats(tmp_path, capsys):
    import json
    from pathlib import Path

    from fashionclasstic.cli import main

    real = Path(__file__).parent / "data" / "smoke_3_repeats.json"
    target = tmp_path / "thresholds.toml"
    target.write_text(GOOD.replace("logreg", "decision_tree"))
    assert main(["thresholds", "--from", str(real), "--into", str(target)]) == 0
    written = read_thresholds(target, strict=True)
    assert set(written) == {("decision_tree", "smoke"), ("logreg", "smoke"), ("random_forest", "smoke"),
                            ("dnn", "smoke")}  # the others kept
    saved = {m["model"]: m for m in json.loads(real.read_text())["models"]}
    dnn = written[("dnn", "smoke")]
    assert dnn.seeds == (0, 1, 2) and dnn.measured == round(saved["dnn"]["accuracy"], 4)
    assert dnn.margin == max(0.005, round(3 * dnn.std, 4)) and dnn.min_accuracy == round(dnn.measured - dnn.margin, 4)
    assert written[("logreg", "smoke")].margin == 0.005  # no spread across seeds: the floor
    assert "--fc-repeats 3" in dnn.run and "AMD EPYC" in dnn.run
    assert "[dnn.smoke] 3 seed(s)" in capsys.readouterr().out


def test_repeats_narrow_the_gate_by_the_standard_error_of_their_mean_and_say_so(tmp_path):
    from fashionclasstic.models import get_model_spec
    from fashionclasstic.thresholds import Threshold, render_thresholds, threshold_for

    cnn = Threshold("cnn", "smoke", 0.8747, measured=0.8912, margin=0.0165, seeds=(0, 1, 2), std=0.0055)
    assert cnn.for_repeats(1) == cnn
    three = cnn.for_repeats(3)
    assert (three.margin, three.min_accuracy, three.repeats) == (0.0095, 0.8817, 3)  # 3 x 0.0055 / sqrt(3)
    assert cnn.for_repeats(100).margin == 0.005  # never under the floor
    steady = Threshold("logreg", "smoke", 0.834, measured=0.839, margin=0.005, seeds=(0, 1, 2), std=0.0)
    assert steady.for_repeats(5) == replace(steady, repeats=5)
    single = Threshold("x", "full", 0.9, measured=0.91, margin=0.01, seeds=(0,), std=0.0)
    assert single.for_repeats(3).min_accuracy == 0.9  # one seed: no spread known, no narrowing
    assert cnn.sensitivity_text() == "1.65 pts in one run, 0.95 pts with 3 repeats"
    assert "# catches a drop of the mean of over 1.65 pts in one run" in render_thresholds({("cnn", "smoke"): cnn})
    spec = get_model_spec("cnn")
    assert threshold_for(spec, "smoke", {("cnn", "smoke"): cnn}, repeats=3).min_accuracy == 0.8817
