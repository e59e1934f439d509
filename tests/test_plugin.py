"""The pytest plugin, end to end, in throw-away pytest sessions (pytester)."""

import shutil

import pytest

USER_CONFTEST = '''
import numpy as np
from fashionclasstic import register_model
from fashionclasstic.models import BaseClassifier, SklearnClassifier


@register_model("centroid", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.6})
def centroid(params, context):
    """Nearest class mean: a user's own model."""
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid())


class Broken(BaseClassifier):
    def fit(self, x, y, validation=None):
        raise RuntimeError("diverged on purpose")


@register_model("broken", family="test", framework="none")
def broken(params, context):
    return Broken()
'''


@pytest.fixture
def suite(pytester, official_data_dir, tmp_path, monkeypatch):
    """A pytest session holding the suite's benchmark module and a user's conftest."""
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(tmp_path / "cache"))
    pytester.makeconftest(USER_CONFTEST)
    shutil.copy(pytest.importorskip("fashionclasstic").__file__.replace("__init__.py", "")
                + "../benchmarks/test_models.py", pytester.path / "test_models.py")
    pytester.data_dir = official_data_dir
    return pytester


def run(suite, *args):
    return suite.runpytest_subprocess("-p", "no:randomly", f"--fc-data-dir={suite.data_dir}",
                                      "--fc-profile=smoke", *args)


def test_a_model_registered_in_a_users_conftest_becomes_a_gated_case(suite):
    result = run(suite, "--fc-models=centroid", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_train?centroid? PASSED*", "*test_inference?centroid? PASSED*",
                                 "*FashionClasstic results*", "best*centroid*prototype / scikit-learn*smoke*pass*"])


def test_a_failing_model_is_reported_while_the_others_keep_their_results(suite):
    result = run(suite, "--fc-models=broken,centroid")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*centroid*pass*passed*", "*broken*failed: diverged on purpose*"])


def test_unknown_profile_is_one_clear_message(suite):
    result = run(suite, "--fc-profile=fast")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: unknown profile 'fast'; choose one of: smoke, full*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("option, message", [
    ("--fc-seed=abc", "--fc-seed needs a whole number, got 'abc'"),
    ("--fc-threads=-1", "--fc-threads must be at least 0, got -1"),
    ("--fc-source=kaggle", "--fc-source 'kaggle': choose one of archives, tfds"),
])
def test_bad_option_values_are_one_clear_message(suite, option, message):
    result = run(suite, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}*"])


def test_unknown_model_pattern_is_one_clear_message(suite):
    result = run(suite, "--fc-models=resnet*")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*--fc-models: 'resnet*' matches no registered model; registered: logreg*"])


def test_missing_data_directory_is_one_clear_message(suite, tmp_path):
    result = suite.runpytest_subprocess(f"--fc-data-dir={tmp_path / 'nowhere'}", "--fc-models=centroid")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*Fashion-MNIST was not found. Looked in:*",
                                 f"*--fc-data-dir {tmp_path / 'nowhere'}: no such directory*"])
    assert "Traceback" not in result.stdout.str()


def test_corrupted_archive_is_refused_before_any_training(suite, tmp_path):
    corrupt = tmp_path / "corrupt"
    shutil.copytree(suite.data_dir, corrupt)
    labels = corrupt / "train-labels-idx1-ubyte.gz"
    labels.chmod(0o644)
    labels.write_bytes(labels.read_bytes()[:-100])
    result = suite.runpytest_subprocess(f"--fc-data-dir={corrupt}", "--fc-models=centroid")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines([f"*{labels} is not a readable gzip archive*Expected SHA-256*"])
    assert "passed" not in result.stdout.str()


def test_xdist_keeps_each_model_on_one_worker_with_the_same_accuracy(suite):
    serial = run(suite, "--fc-models=centroid,logreg")
    parallel = run(suite, "--fc-models=centroid,logreg", "-n", "2")
    serial.assert_outcomes(passed=4)
    parallel.assert_outcomes(passed=4)

    def accuracies(result):
        return sorted(line.split()[1:5:3] for line in result.stdout.lines
                      if " smoke " in line and ("centroid" in line or "logreg" in line))

    assert accuracies(serial) == accuracies(parallel) and len(accuracies(serial)) == 2
    parallel.stdout.fnmatch_lines(["*wall-clock*", "*wall-clock*"])


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_models_deselected_with_k_are_not_reported_as_not_run(suite, workers):
    result = run(suite, "--fc-models=centroid,logreg", "-k", "centroid", *workers)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*centroid*pass*passed*"])
    table = result.stdout.str().split("FashionClasstic results", 1)[1]
    assert "logreg" not in table and "not run" not in table
