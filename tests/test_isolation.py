"""``--fc-isolate``: each model's cases in a fresh process of their own, every file written by
the session that started them, as complete as a serial run's."""

import json
import os

import pytest

from tests.conftest import session_with

PROCESS_MODELS = '''
import os
from pathlib import Path

from fashionclasstic import register_model
from fashionclasstic.models import SklearnClassifier


class Noted(SklearnClassifier):
    """Notes the process that trains it."""

    def fit(self, x, y, validation=None):
        self.note()
        return super().fit(x, y, validation)

    def note(self):
        with Path("processes").open("a") as processes:
            processes.write(f"{os.getpid()}\\n")


@register_model("centroid", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.6})
def centroid(params, context):
    from sklearn.neighbors import NearestCentroid
    return Noted(estimator=NearestCentroid())


@register_model("centroid_twin", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.6})
def centroid_twin(params, context):
    from sklearn.neighbors import NearestCentroid
    return Noted(estimator=NearestCentroid(shrink_threshold=0.1))


@register_model("broken", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.0})
def broken(params, context):
    """Its process dies in the middle of training."""
    class Dies(Noted):
        def fit(self, x, y, validation=None):
            self.note()
            os._exit(3)
    return Dies()
'''

suite = session_with(PROCESS_MODELS)


def run(suite, *args):
    return suite.runpytest_subprocess(f"--fc-data-dir={suite.data_dir}", "--fc-profile=smoke", "-p", "no:randomly",
                                      f"--fc-report-dir={suite.path / 'report'}", "--benchmark-autosave", *args)


@pytest.mark.slow  # a process per model
def test_each_model_trains_in_a_fresh_process_and_every_file_is_whole(suite):
    result = run(suite, "--fc-isolate", "--fc-models=centroid,centroid_twin,broken")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    processes = (suite.path / "processes").read_text().split()
    assert len(processes) == len(set(processes)) == 3 and str(os.getpid()) not in processes
    results = json.loads((suite.path / "report/results.json").read_text())
    assert results["run"]["complete"] and results["run"]["exit_status"] == pytest.ExitCode.TESTS_FAILED
    models = {m["model"]: m for m in results["models"]}
    assert {name: m["status"] for name, m in models.items()} == {
        "centroid": "passed", "centroid_twin": "passed", "broken": "crashed"}
    assert "its fresh process (--fc-isolate) ended with exit status 3" in models["broken"]["reason"]
    assert all(models[name]["train_samples"] and models[name]["framework_startup_seconds"] is not None
               for name in ("centroid", "centroid_twin"))  # each process paid its own start-up
    [saved] = (suite.path / ".benchmarks").glob("*/0001_*.json")
    benchmarks = {b["name"]: b for b in json.loads(saved.read_text())["benchmarks"]}
    assert sorted(benchmarks) == ["test_inference[centroid]", "test_inference[centroid_twin]",
                                  "test_train[centroid]", "test_train[centroid_twin]"]
    assert benchmarks["test_train[centroid]"]["options"]["timer"] == "pytest-benchmark (perf_counter)"
    assert benchmarks["test_train[centroid]"]["stats"]["data"] == models["centroid"]["train_samples"]
    result.stdout.fnmatch_lines(["*test_models.py ..*F*", "*exit status 3*"])


def test_isolation_and_xdist_workers_are_one_line_to_choose(suite):
    result = run(suite, "--fc-isolate", "-n", "2", "--fc-models=centroid")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--fc-isolate runs each model in a fresh process of its own: leave out -n/--dist" in result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
