"""The pytest plugin, end to end, in throw-away pytest sessions (pytester)."""

import json
import re
import shutil

import pytest

from tests.conftest import CENTROID_MODEL, run_smoke, session_with, shared_run

USER_CONFTEST = CENTROID_MODEL + '''
from fashionclasstic.models import BaseClassifier


class Broken(BaseClassifier):
    def fit(self, x, y, validation=None):
        raise RuntimeError("diverged on purpose")


@register_model("broken", family="test", framework="none")
def broken(params, context):
    return Broken()


@register_model("broken_free", family="prototype", framework="scikit-learn")
def broken_free(params, context):
    """Ungated: no threshold anywhere."""
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid())
'''


CLOSE_LOG = '''

class Logged(SklearnClassifier):
    def predict(self, x):
        with open("predicted.log", "a") as log:
            log.write(f"{len(x)}\\n")
        return super().predict(x)

    def close(self):
        with open("closed.log", "a") as log:
            log.write("closed\\n")


@register_model("centroid_logged", family="prototype", framework="scikit-learn")
def centroid_logged(params, context):
    from sklearn.neighbors import NearestCentroid
    return Logged(estimator=NearestCentroid())
'''

PUBLISHER_HOOK = '''

def pytest_fashionclasstic_publishers(publishers):
    from pathlib import Path
    from fashionclasstic.reporting.publishers import ModelPublisher
    publishers.append(ModelPublisher("accuracy.txt", lambda r: r.accuracy is not None,
                                     lambda r, path: Path(path).write_text(f"{r.accuracy}\\n")))
'''


suite = session_with(USER_CONFTEST)


# One session for what a user's conftest models get: gated cases, each model's two cases back to
# back and closed before the next, a report hook's file, and a failure kept to its own model; in
# a CI log's 120 columns, one more column asked for.
WIDTH = 120
suite_run = shared_run(USER_CONFTEST + CLOSE_LOG + PUBLISHER_HOOK, "--fc-profile=smoke", "-v",
                       "--fc-models=centroid,centroid_twin,centroid_logged,broken", "--fc-report-dir=report",
                       "--fc-columns=default,params", env={"COLUMNS": str(WIDTH)})


def test_a_model_registered_in_a_users_conftest_becomes_a_gated_case(suite_run):
    suite_run.stdout.fnmatch_lines(["*test_train?centroid? PASSED*", "*test_inference?centroid? PASSED*",
                                    "*FashionClasstic results*", "*centroid *pass*passed*"])
    models = {m["model"]: m for m in json.loads((suite_run.path / "report/results.json").read_text())["models"]}
    assert (models["centroid"]["status"], models["centroid"]["gate"], models["centroid"]["min_accuracy"]) == (
        "passed", "pass", 0.6)
    assert (models["centroid"]["family"], models["centroid"]["framework"]) == ("prototype", "scikit-learn")


def test_each_models_cases_run_back_to_back_and_its_model_is_closed_before_the_next(suite_run):
    passed = [line for line in suite_run.stdout.lines if "::test_" in line and "PASSED" in line]
    order = [line.split("::")[1].split()[0] for line in passed]
    assert order == ["test_train[centroid]", "test_inference[centroid]", "test_train[centroid_twin]",
                     "test_inference[centroid_twin]", "test_train[centroid_logged]", "test_inference[centroid_logged]"]
    assert (suite_run.path / "closed.log").read_text() == "closed\n"


def test_the_evaluations_prediction_is_the_warm_up_of_the_timed_inference_rounds(suite_run):
    """The test set is predicted once to score the model, then once per timed round: no uncounted
    round between them."""
    models = {m["model"]: m for m in json.loads((suite_run.path / "report/results.json").read_text())["models"]}
    logged = models["centroid_logged"]
    rounds = logged["inference_rounds"]
    assert rounds >= 5 and len(logged["inference_samples"]) == rounds and logged["n_test"] == 2000
    assert (suite_run.path / "predicted.log").read_text().split() == ["2000"] * (1 + rounds)


def test_a_report_hook_adds_a_model_file(suite_run):
    report = suite_run.path / "report"
    assert [line for line in suite_run.stdout.lines if line.startswith("report: ")] == [
        f"report: {report.resolve() / 'index.html'}"]
    assert float((report / "models/centroid/accuracy.txt").read_text()) > 0.5
    assert not (report / "models/broken/accuracy.txt").exists()  # the hook's condition: no accuracy
    assert "models/centroid/accuracy.txt" in (report / "results.md").read_text()


def test_a_failing_model_is_reported_while_the_others_keep_their_results(suite_run):
    suite_run.assert_outcomes(passed=6, failed=1, skipped=1)
    suite_run.stdout.fnmatch_lines(["*centroid*pass*passed*", "*broken*failed: diverged on purpose*"])


def test_every_line_fits_the_terminal_and_fc_columns_adds_a_column(suite_run):
    """The header (pytest-benchmark's too), the table, the notes and paths, and pytest-benchmark's
    tables; pytest's own traceback of the failing model and its ``-v`` interpreter path are not the
    suite's to cut."""
    lines, inside_failures = [], False
    for line in suite_run.stdout.lines:
        if line.startswith("="):
            inside_failures = " FAILURES " in line
        if not inside_failures and not line.startswith("platform "):
            lines.append(line)
    assert [line for line in lines if len(line.encode()) > WIDTH] == []
    collected = next(number for number, line in enumerate(lines) if "collected 8 items" in line)
    assert any(line.startswith("    ") for line in lines[:collected])  # a header line wrapped
    table = lines[lines.index(next(line for line in lines if "FashionClasstic results" in line)) + 1]
    assert table.split() == ["model", "accuracy", "gate", "train", "s", "infer", "s", "train", "mem.", "params",
                             "status"]
    benchmark_header = next(line for line in lines if line.startswith("Name (time in"))
    assert benchmark_header.split()[-3:] == ["Min", "Median", "Rounds"]


def test_unknown_profile_is_one_clear_message(suite):
    result = run_smoke(suite, "--fc-profile=fast")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: unknown profile 'fast'; choose one of: smoke, full*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("option, message", [
    ("--fc-seed=abc", "--fc-seed needs a whole number, got 'abc'"),
    ("--fc-threads=-1", "--fc-threads must be at least 0, got -1"),
    ("--fc-source=kaggle", "--fc-source 'kaggle': choose one of archives, tfds"),
    ("--fc-columns=default,speed", "--fc-columns: unknown column 'speed'; choose from model, family, profile, "
                                   "accuracy, *, status, machine, default or all"),
])
def test_bad_option_values_are_one_clear_message(suite, option, message):
    result = run_smoke(suite, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}*"])
    assert [line for line in result.stderr.lines if line] == result.stderr.lines[:1]  # one line
    assert "Traceback" not in result.stdout.str()


def test_unknown_model_pattern_is_one_clear_message(suite):
    result = run_smoke(suite, "--fc-models=resnet*")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --fc-models: 'resnet*' matches no registered model; registered: logreg*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_report_dir_under_a_regular_file_is_refused_before_loading_data(suite, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_smoke(suite, "--fc-models=centroid", f"--fc-report-dir={blocker / 'report'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --fc-report-dir {blocker / 'report'}: {blocker} is a file, not a directory*"])


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


def test_user_thresholds_add_to_the_suites_and_ungated_models_are_named(suite, tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text("[decision_tree.smoke]\nmin_accuracy = 0.99\n")
    result = run_smoke(suite, "--fc-models=decision_tree,random_forest,broken_free", f"--fc-thresholds={user}",
                 f"--fc-report-dir={tmp_path / 'report'}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    models = {m["model"]: m for m in json.loads((tmp_path / "report/results.json").read_text())["models"]}
    tree, forest, free = models["decision_tree"], models["random_forest"], models["broken_free"]
    assert (tree["status"], tree["gate"], tree["min_accuracy"]) == ("failed", "FAIL", 0.99)
    assert tree["threshold_origin"] == str(user) and tree["accuracy"] < 0.99
    assert f"decision_tree: accuracy {tree['accuracy']:.4f} is below the minimum 0.9900" in tree["reason"]
    assert (forest["status"], forest["gate"]) == ("passed", "pass")  # the suite's own entry still holds
    assert forest["threshold_origin"] != str(user) and 0 < forest["min_accuracy"] <= forest["accuracy"]
    # a forest's training holds megabytes (its trees, sklearn's float32 copy of the images)
    assert forest["train_memory"] > 1_000_000 and forest["inference_memory"] >= 0
    assert forest["memory"].startswith("resident")
    assert free["gate"] == "ungated" and free["min_accuracy"] is None
    output = " ".join(result.stdout.str().split())  # the line is wrapped to the terminal
    assert re.search(r"ungated \(no minimum accuracy for profile smoke .*\): broken_free", output)


def test_the_shipped_cases_run_from_a_users_project_with_their_models(pytester, official_data_dir, shared_cache,
                                                                         monkeypatch):
    """What a user does with the suite pip-installed: no checkout, their own models module."""
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(shared_cache))
    project = pytester.mkdir("myproject")
    (project / "my_models.py").write_text(USER_CONFTEST.replace("centroid", "my_centroid"))
    monkeypatch.chdir(project)
    result = pytester.runpytest_subprocess("--pyargs", "fashionclasstic.benchmarks", "--fc-import=my_models.py",
                                           "--fc-models=my_centroid", "--fc-profile=smoke", "--fc-no-figures",
                                           f"--fc-data-dir={official_data_dir}", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*my_centroid*pass*passed*"])
    missing = pytester.runpytest_subprocess("--pyargs", "fashionclasstic.benchmarks", "--fc-import=nope.py")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["ERROR: --fc-import nope.py: no such file"])

