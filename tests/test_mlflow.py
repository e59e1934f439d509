"""``--fc-mlflow`` and ``python -m fashionclasstic mlflow`` against a real MLflow store (the
embedded SQLite one), read back with ``mlflow.MlflowClient``: one parent run per session, a
nested run per model whose metrics are those of ``results.json``, the curves as stepped metrics,
the figures as artifacts, each run's status; an interrupted session, a store that cannot be
written, and MLflow not installed at all."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fashionclasstic.cli import main
from fashionclasstic.reporting.mlflow_sink import DEFAULT_URI, tracking_uri
from tests.conftest import CENTROID_MODEL, SPLIT, copy_benchmark_cases, required_data_dir, run_pytest, shard_run
from tests.test_interrupts import finish, quick_model_finished, start, wait_for

try:  # imported with the module: pytester's tests restore sys.modules, which a half-removed MLflow does not survive
    import mlflow
except ImportError:
    mlflow = None
requires_mlflow = pytest.mark.skipif(mlflow is None, reason="MLflow is not installed (the mlflow extra)")

# MLflow's store uses a loader strategy SQLAlchemy 2.1 deprecates (the suite's own logging hides it)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:mlflow.*")
# A model whose gate it cannot pass (its run ends FAILED, with the reason as a tag), and a small
# network trained epoch by epoch whose history holds its curves, as dnn's does (dnn itself: the
# slow variant, the issue's own models)
MODELS = CENTROID_MODEL + '''

@register_model("centroid_gated", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.99})
def centroid_gated(params, context):
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid())


class EpochsMLP:
    def __init__(self, epochs):
        from sklearn.neural_network import MLPClassifier
        self.net, self.epochs, self.history = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01,
                                                random_state=0), epochs, {}

    def fit(self, x, y, validation=None):
        for _ in range(self.epochs):
            self.net.partial_fit(x.reshape(len(x), -1) / 255.0, y, classes=list(range(10)))
            self.history.setdefault("loss", []).append(float(self.net.loss_))
            accuracy = float((self.predict(validation.x) == validation.y).mean())
            self.history.setdefault("val_accuracy", []).append(accuracy)
        return self

    def predict(self, x):
        return self.net.predict(x.reshape(len(x), -1) / 255.0)

    def describe(self):
        return {"epochs": self.epochs, "learning_rate": self.net.learning_rate_init}


@register_model("epochs_mlp", family="neural network", framework="scikit-learn", uses_validation=True,
                params={"epochs": 3}, min_accuracy={"smoke": 0.3})
def epochs_mlp(params, context):
    return EpochsMLP(params["epochs"])
'''
# Measures that are equal in the store and in results.json, per model
MEASURES = ("accuracy", "macro_f1", "train_seconds", "inference_seconds", "train_memory", "inference_memory")
NOT_INSTALLED = '''
import sys


class NoMlflow:
    """MLflow as on a machine without the extra: not found."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("mlflow", "sqlalchemy", "alembic"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoMlflow())
'''


@pytest.fixture(scope="module", params=[
    pytest.param(("centroid_gated,centroid,epochs_mlp", MODELS), id="gated"),
    pytest.param(("logreg,decision_tree,dnn", ""), id="issue-30", marks=pytest.mark.slow),  # logreg, dnn: 20-50 s
])
def suite_run(request, tmp_path_factory, shared_cache):
    """One session with ``--fc-mlflow`` and no other setup."""
    models, conftest = request.param
    directory = tmp_path_factory.mktemp("mlflow-run")
    copy_benchmark_cases(directory)
    (directory / "conftest.py").write_text(conftest)
    result = run_pytest(directory, {"FASHIONCLASSTIC_CACHE": str(shared_cache)}, "-p", "no:cacheprovider",
                        f"--fc-data-dir={required_data_dir()}", "--fc-profile=smoke", f"--fc-models={models}",
                        "--fc-mlflow")
    result.path = directory
    result.models = models.split(",")
    return result


def store(database: Path, experiment: str = "fashionclasstic"):
    """``(client, parent run, {model: nested run})`` of the one session logged to ``database``."""
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{database}")
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    [parent] = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    nested = {run.info.run_name: run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert len(nested) == len(runs) - 1
    return client, parent, nested


@requires_mlflow
def test_a_session_is_one_parent_run_and_a_nested_run_per_model(suite_run, tmp_path, capsys):
    """One test, so that xdist runs the session once; each check asserts one part of it."""
    database = suite_run.path / ".fashionclasstic" / "mlflow.db"
    assert database.is_file(), suite_run.stdout.str()
    [results_file] = (suite_run.path / ".fashionclasstic" / "runs").glob("2*/results.json")
    results = json.loads(results_file.read_text())
    client, parent, nested = store(database)
    check_metrics_equal_the_results(suite_run, results, client, parent, nested)
    check_each_run_ends_with_its_status(suite_run, parent, nested)
    check_curves_and_figures(results, client, nested, suite_run.path)
    # the commands' runs go to the same store (creating one costs seconds of fsync), other experiments
    check_logged_after_the_fact_as_live(results_file.parent, database, capsys, parent, nested)
    check_a_merged_run_is_logged_like_any_other(tmp_path, database)


def check_metrics_equal_the_results(suite_run, results, client, parent, nested):
    assert sorted(nested) == sorted(suite_run.models)
    for model in results["models"]:
        run = nested[model["model"]]
        for name in MEASURES:
            assert run.data.metrics[name] == pytest.approx(model[name], rel=1e-12), (model["model"], name)
        assert run.data.tags["status"] == model["status"]
        assert run.data.params["seed"] == "0" and run.data.tags["profile"] == "smoke"
    info = results["run"]
    assert parent.data.tags["profile"] == "smoke" and parent.data.tags["seed"] == "0"
    assert parent.data.tags["machine.fingerprint"] == info["machine"]["fingerprint"]
    assert parent.data.tags["machine.isa"] == info["machine"]["isa"]
    assert parent.data.tags["version.pytest"] == info["versions"]["pytest"]
    assert parent.data.tags["suite.commit"] == info["suite"]["commit"]
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {"results.json", "index.html"}
    assert f"mlflow: run {parent.info.run_id} ({len(nested)} models) in experiment 'fashionclasstic'" in (
        suite_run.stdout.str())


def check_each_run_ends_with_its_status(suite_run, parent, nested):
    statuses = {model: run.info.status for model, run in nested.items()}
    if "centroid_gated" in nested:  # its gate fails: the session fails, and both runs say why
        assert suite_run.ret == pytest.ExitCode.TESTS_FAILED
        assert statuses == {"centroid_gated": "FAILED", "centroid": "FINISHED", "epochs_mlp": "FINISHED"}
        gated = nested["centroid_gated"].data
        assert gated.tags["gate"] == "FAIL" and gated.metrics["gate_passed"] == 0.0
        assert gated.metrics["min_accuracy"] == 0.99 and "0.99" in gated.tags["reason"]
        assert (parent.info.status, parent.data.tags["reason"]) == ("FAILED", "tests failed")
    else:
        assert suite_run.ret == pytest.ExitCode.OK, suite_run.stdout.str()
        assert set(statuses.values()) == {"FINISHED"} and parent.info.status == "FINISHED"
    network = nested.get("epochs_mlp") or nested["dnn"]
    assert network.data.metrics["gate_passed"] == 1.0


def check_curves_and_figures(results, client, nested, directory):
    [network] = [m for m in results["models"] if m["model"] in ("dnn", "epochs_mlp")]
    run_id = nested[network["model"]].info.run_id
    epochs = network["history"]["val_accuracy"]
    assert len(epochs) >= 2
    steps = client.get_metric_history(run_id, "history/val_accuracy")
    assert sorted((m.step, m.value) for m in steps) == [(epoch, value) for epoch, value in enumerate(epochs, 1)]
    assert {"confusion.png", "learning_curves.png", "history.csv"} <= {a.path for a in client.list_artifacts(run_id)}
    confusion = client.download_artifacts(run_id, "confusion.png", str(directory))
    assert Path(confusion).read_bytes().startswith(b"\x89PNG")
    params = nested[network["model"]].data.params  # the hyper-parameters the model describes
    assert params["epochs"] == str(network["hyperparameters"]["epochs"]) == str(len(epochs))


def check_logged_after_the_fact_as_live(run_dir, database, capsys, live_parent, live):
    capsys.readouterr()
    assert main(["mlflow", str(run_dir), "--uri", f"sqlite:///{database}", "--experiment", "after"]) == 0
    assert "models) in experiment 'after'" in capsys.readouterr().out
    _, parent, nested = store(database, "after")
    assert parent.info.status == live_parent.info.status
    for model, run in live.items():
        assert nested[model].data.metrics == run.data.metrics
        assert nested[model].data.params == run.data.params
        assert nested[model].info.status == run.info.status


def check_a_merged_run_is_logged_like_any_other(tmp_path, database):
    shards = [shard_run(tmp_path / f"shard{k}", k, 3, models) for k, models in SPLIT.items()]
    assert main(["merge", *map(str, shards), "--out", str(tmp_path / "merged")]) == 0
    assert main(["mlflow", str(tmp_path / "merged"), "--uri", f"sqlite:///{database}", "--experiment", "merged"]) == 0
    _, parent, nested = store(database, "merged")
    assert sorted(nested) == sorted(m for part in SPLIT.values() for m in part)
    assert parent.data.tags["merged.shards"] == "3" and parent.info.status == "FINISHED"
    assert nested["svm"].data.metrics["accuracy"] == 0.8477


@pytest.mark.slow  # a real SIGINT to a whole session
@requires_mlflow
def test_an_interrupted_run_leaves_the_interrupted_model_killed(bench_session):
    suite, report = bench_session, bench_session.path / "report"
    process = start(suite, "--fc-mlflow")
    wait_for(lambda: (suite.path / "slow_fit_started").exists() and quick_model_finished(report), process)
    process.send_signal(signal.SIGINT)
    assert finish(process) == pytest.ExitCode.INTERRUPTED
    output = (suite.path / "output.txt").read_text()
    assert "Traceback" not in output and "mlflow: run " in output
    _, parent, nested = store(suite.path / ".fashionclasstic" / "mlflow.db")
    assert {model: run.info.status for model, run in nested.items()} == {"centroid": "FINISHED", "slow": "KILLED"}
    assert nested["slow"].data.tags["reason"] == "stopped by SIGINT (Ctrl-C) during test_train[slow]"
    assert (parent.info.status, parent.data.tags["reason"]) == ("KILLED", "interrupted")


def quick_session(bench_session, *args: str) -> pytest.RunResult:
    bench_session.makeconftest(CENTROID_MODEL)
    return bench_session.runpytest_subprocess(f"--fc-data-dir={bench_session.data_dir}", "--fc-profile=smoke",
                                              "--fc-models=centroid", "-p", "no:cacheprovider", *args)


@requires_mlflow
def test_a_store_that_cannot_be_written_is_one_line_and_the_results_are_kept(bench_session):
    (bench_session.path / "taken").write_text("a file where the store's folder would be")
    result = quick_session(bench_session, "--fc-no-figures", "--fc-mlflow=sqlite:///taken/mlflow.db")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.OK, output  # as without --fc-mlflow
    [line] = [line for line in result.outlines if "mlflow" in line.lower()]
    assert line.startswith("mlflow: not logged: MLflow tracking store sqlite:///taken/mlflow.db: ")
    assert "Traceback" not in output
    [run] = (bench_session.path / ".fashionclasstic" / "runs").glob("2*")
    for name in ("results.json", "results.csv", "results.md"):
        assert (run / name).is_file(), name


def test_without_mlflow_installed_the_option_names_the_extra(bench_session):
    bench_session.makepyfile(no_mlflow=NOT_INSTALLED)
    result = quick_session(bench_session, "-p", "no_mlflow", "--fc-mlflow")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert errors == ['ERROR: --fc-mlflow needs mlflow, sqlalchemy, alembic, not installed here: '
                      'pip install "fashionclasstic[mlflow]"'], errors
    assert not (bench_session.path / ".fashionclasstic").exists()


def test_without_mlflow_installed_the_command_names_the_extra(tmp_path):
    shard_run(tmp_path, None, 1, {"logreg": (0.839, 5.0, 0.01)}, benchmark=False)
    code = NOT_INSTALLED + (f"from fashionclasstic.cli import main\n"
                            f"sys.exit(main(['mlflow', {str(tmp_path)!r}, '--uri', 'sqlite:///{tmp_path}/x.db']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: MLflow is not installed (ModuleNotFoundError: No module named 'mlflow'): "
        'pip install "fashionclasstic[mlflow]"']


@pytest.mark.parametrize("given, uri", [(None, None), ("", None), ("false", None), ("true", DEFAULT_URI),
                                        ("sqlite:///runs.db", "sqlite:///runs.db"),
                                        ("http://localhost:5000", "http://localhost:5000"),
                                        ("databricks", "databricks")])
def test_the_tracking_uri_option(given, uri):
    assert tracking_uri(given) == uri


def test_a_path_after_the_bare_option_is_refused_not_taken_as_the_store():
    with pytest.raises(Exception, match="not a tracking URI .* put --fc-mlflow after the test paths"):
        tracking_uri("benchmarks")


def test_a_metric_is_a_finite_float():
    from fashionclasstic.records import CaseRecord
    from fashionclasstic.reporting.mlflow_sink import model_metrics

    metrics = model_metrics(CaseRecord(model="m", accuracy=0.9, min_accuracy=0.8, train_memory=1024, n_test=10,
                                       inference_seconds=0.5))
    assert metrics == {"accuracy": 0.9, "min_accuracy": 0.8, "gate_passed": 1.0, "train_memory": 1024.0,
                       "inference_seconds": 0.5, "inference_ms_per_image": 50.0}
    assert all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())
