"""The run header's estimate on a machine without saved runs: the registry's seconds scaled by a
quick calibration of this machine against the registry's, and only those."""

from __future__ import annotations

import math
import re

import pytest

from fashionclasstic.calibration import Calibration, calibrate
from fashionclasstic.cli import main
from fashionclasstic.models import get_model_spec
from fashionclasstic.shards import REGISTRY, expected_seconds
from tests.conftest import session_with, timed_run


def test_the_factor_is_the_geometric_mean_of_the_workloads_ratios():
    reference = Calibration(matrix_seconds=0.1, loop_seconds=0.05)
    assert Calibration(0.2, 0.2).factor_against(reference) == pytest.approx(math.sqrt(2 * 4))
    assert Calibration(0.1, 0.05).factor_against(reference) == pytest.approx(1.0)


def test_a_calibration_measures_both_workloads_once_per_process():
    here = calibrate()
    assert here.matrix_seconds > 0 and here.loop_seconds > 0
    assert calibrate() is here


def test_only_registry_estimates_are_scaled(tmp_path):
    timed_run(tmp_path, "smoke", {"logreg": (9.0, 0.0)}, "2026-11-21T10:00:00+00:00", "measured-here")
    asked = []
    expected = expected_seconds(["logreg", "decision_tree", "svm"], "smoke", runs_dir=tmp_path,
                                registry_scale=lambda: asked.append(1) or 3.0)
    assert asked == [1]  # one calibration for every estimate
    expected_seconds(["logreg"], "smoke", runs_dir=tmp_path, registry_scale=lambda: asked.append(2) or 3.0)
    assert asked == [1]  # and none when this machine's saved run has every model
    assert expected.seconds["logreg"] == 9.0  # measured on this machine: as it was
    assert expected.origins["decision_tree"] == REGISTRY
    assert expected.seconds["decision_tree"] == pytest.approx(
        3.0 * sum(get_model_spec("decision_tree").expected_seconds["smoke"]), abs=0.1)


def test_the_calibrate_command_says_the_factor(capsys):
    assert main(["calibrate"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\d+\.\d\dx the time of .+ where the registry's estimates were measured", out, re.M), out


suite = session_with('''
from fashionclasstic import register_model
from fashionclasstic.models import SklearnClassifier


@register_model("ten_seconds", family="prototype", framework="scikit-learn", expected_seconds={"smoke": 10.0})
def ten_seconds(params, context):
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid())
''')


@pytest.mark.e2e
def test_the_header_scales_the_registry_estimate_by_the_factor_it_names(suite):
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", f"--fc-data-dir={suite.data_dir}",
                                        "--fc-profile=smoke", "--fc-models=ten_seconds", "--collect-only")
    line = " ".join(result.stdout.str().split())  # the header is wrapped to the terminal
    shown = re.search(r"expected about (\d+) s .*registry estimates are from .+?, times (\d+\.\d\d) for this machine",
                      line)
    assert shown, line
    assert abs(int(shown[1]) - 10.0 * float(shown[2])) <= 0.6, line  # both rounded for the header
