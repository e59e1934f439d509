"""The run report: its files, their atomic writing, the figures, the page in a real browser, and
the report the plugin writes at the end of a real (small) session, serial and under xdist."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fashionclasstic.data import CLASS_NAMES, FashionMNIST
from fashionclasstic.errors import FashionClassticError
from fashionclasstic.records import SCHEMA_VERSION, CaseRecord, RunInfo
from fashionclasstic.reporting import figures
from fashionclasstic.reporting.publishers import write_report
from fashionclasstic.runs.report import rebuild_report
from fashionclasstic.runs.saved import latest_run_dir
from tests.conftest import CENTROID_MODEL, session_with

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MODEL_FILES = ("summary.txt", "confusion.txt", "confusion.png", "classification_report.txt")
FEATURE_FILES = ("feature_importance.png", "feature_importance.csv")
HISTORY_FILES = ("learning_curves.png", "history.csv")


def crafted_records() -> list[CaseRecord]:
    """One model of every kind a report must show: passed with everything, failed, skipped, not run."""
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 20, (10, 10))
    np.fill_diagonal(confusion, 160)
    per_class = {name: {"precision": 0.8, "recall": 0.8, "f1-score": 0.8, "support": 200.0} for name in CLASS_NAMES}
    epochs = 6
    return [
        CaseRecord(model="not_started", family="kernel", framework="scikit-learn", profile="smoke",
                   status="not run", reason="the session ended before this model ran"),
        CaseRecord(model="boosted", family="boosting", framework="xgboost", profile="smoke", status="passed",
                   accuracy=0.88, macro_f1=0.879, min_accuracy=0.8, train_seconds=12.5, inference_seconds=0.04,
                   inference_rounds=5, timing="pytest-benchmark", n_train=5400, n_validation=600, n_test=2000,
                   parameter_count=12000, size_bytes=300_000, confusion=confusion.tolist(), per_class=per_class,
                   classification_report="              precision    recall  f1-score   support\n...",
                   history={"loss": list(np.linspace(2, 0.3, epochs)), "val_loss": list(np.linspace(2, 0.4, epochs)),
                            "accuracy": list(np.linspace(0.5, 0.95, epochs)),
                            "val_accuracy": list(np.linspace(0.5, 0.9, epochs))},
                   feature_importances=list(rng.random(784)), hyperparameters={"max_depth": 4}),
        CaseRecord(model="gated", family="linear", framework="scikit-learn", profile="smoke", status="failed",
                   reason="gated: accuracy 0.7000 is below the minimum 0.8000", accuracy=0.7, macro_f1=0.69,
                   min_accuracy=0.8, train_seconds=2.0, inference_seconds=0.01, n_test=2000, timing="wall-clock",
                   confusion=confusion.tolist(), per_class=per_class,
                   classification_report="report text"),
        CaseRecord(model="absent_framework", family="network", framework="torch", profile="smoke",
                   status="skipped", reason="torch is not installed: pip install 'fashionclasstic[torch]'"),
    ]


def light_records() -> list[CaseRecord]:
    """The same models with nothing to draw: for tests about files, not figures (drawing is slow)."""
    records = crafted_records()
    for record in records:
        record.confusion, record.history, record.feature_importances = None, {}, None
    return records


def run_info(data_dir: str | None = None) -> RunInfo:
    """A finished run's information; ``machine`` as pytest-benchmark records it, plus memory."""
    return RunInfo(id="20261125T061500Z", started="2026-11-25T06:15:00+00:00",
                   finished="2026-11-25T06:16:00+00:00", duration_seconds=60.0, exit_status=1, complete=True,
                   profile="smoke", seed=0, threads_per_worker=2, xdist_workers=0,
                   pytest_args=["benchmarks"], versions={"python": "3.11"},
                   machine={"cpu": {"brand_raw": "test CPU"}, "system": "Linux", "release": "6.1.0",
                            "machine": "x86_64", "platform": "Linux-6.1.0-x86_64", "cpu_count": 2,
                            "memory_bytes": 2**33},
                   git={"commit": "0" * 40, "dirty": False, "branch": "main"},
                   data={"source": "archives", "data_dir": data_dir})


@pytest.fixture(scope="module")
def tiny_dataset() -> FashionMNIST:
    """A few random images: the exploration figures need no real data to be tested."""
    rng = np.random.default_rng(3)
    return FashionMNIST(x_train=rng.random((60, 28, 28), dtype=np.float32), y_train=np.arange(60) % 10,
                        x_test=rng.random((20, 28, 28), dtype=np.float32), y_test=np.arange(20) % 10,
                        source="synthetic")


@pytest.fixture(scope="module")
def report(tmp_path_factory, tiny_dataset) -> Path:
    """One complete report, written once for the tests that only read it."""
    return write_report(crafted_records(), run_info(), tmp_path_factory.mktemp("run") / "report",
                        dataset=tiny_dataset)


def is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == PNG_SIGNATURE and path.stat().st_size > 1000


def leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".tmp")]


def test_every_expected_file_is_written(report):
    expected = ["results.json", "results.md", "results.csv", "index.html", "accuracy_vs_time.png",
                "data/samples.png", "data/class_histogram.png", "data/per_class.png"]
    expected += [f"models/boosted/{name}" for name in MODEL_FILES + FEATURE_FILES + HISTORY_FILES]
    expected += [f"models/gated/{name}" for name in MODEL_FILES]
    expected += ["models/absent_framework/summary.txt", "models/not_started/summary.txt"]
    missing = [name for name in expected if not (report / name).is_file()]
    assert not missing
    assert not leftovers(report)
    # a model with no evaluation has nothing to draw, and a failed one no curves it never had
    assert sorted(p.name for p in (report / "models/absent_framework").iterdir()) == ["summary.txt"]
    assert not (report / "models/gated/learning_curves.png").exists()


def test_results_json_has_the_schema_and_every_model_with_its_status(report):
    data = json.loads((report / "results.json").read_text())
    assert data["schema"] == "fashionclasstic.results" and data["schema_version"] == SCHEMA_VERSION == 2
    assert data["run"]["id"] == "20261125T061500Z" and data["run"]["data"]["loaded_from"] == "synthetic"
    statuses = {m["model"]: m["status"] for m in data["models"]}
    assert statuses == {"boosted": "passed", "gated": "failed", "absent_framework": "skipped",
                        "not_started": "not run"}
    # sorted like the table: accuracy first, models without one after
    assert [m["model"] for m in data["models"]][:2] == ["boosted", "gated"]
    assert len(data["models"][0]["feature_importances"]) == 784


def test_csv_and_markdown_list_every_model_with_status_and_timing(report):
    rows = list(csv.DictReader((report / "results.csv").open()))
    assert [r["model"] for r in rows] == ["boosted", "gated", "not_started", "absent_framework"]
    assert [r["timing"] for r in rows[:2]] == ["pytest-benchmark", "wall-clock"]
    assert rows[0]["best"] == "best" and rows[0]["accuracy"] == "0.88" and rows[2]["rank"] == ""
    markdown = (report / "results.md").read_text()
    for needle in ("| best | boosted", "failed: gated: accuracy 0.7000", "skipped: torch is not installed",
                   "not run: the session ended", "wall-clock", "test CPU", "Linux-6.1.0-x86_64", "0" * 40):
        assert needle in markdown


def test_the_page_shows_every_model_and_links_only_existing_pngs(report):
    page = (report / "index.html").read_text()
    for model in ("boosted", "gated", "absent_framework", "not_started"):
        assert f'id="model-{model}"' in page
    assert 'class="status-passed best"' in page and "status-not-run" in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == 1 + 3 + 3 + 1  # accuracy vs time, data, boosted (confusion, importance, curves), gated
    for source in sources:
        assert is_png(report / source), source
    assert "http://" not in page and "https://" not in page and "<script src" not in page  # offline, self-contained


def test_every_figure_is_a_valid_png(report):
    pngs = list(report.rglob("*.png"))
    assert len(pngs) == 8  # accuracy vs time, 3 data, boosted 3, gated 1
    assert all(is_png(p) for p in pngs)


def test_per_model_text_files_hold_the_data(report):
    importance = list(csv.reader((report / "models/boosted/feature_importance.csv").open()))
    assert len(importance) == 28 and all(len(row) == 28 for row in importance)
    history = list(csv.DictReader((report / "models/boosted/history.csv").open()))
    assert len(history) == 6 and list(history[0]) == ["boosting_round", "loss", "accuracy", "val_loss", "val_accuracy"]
    confusion = (report / "models/gated/confusion.txt").read_text()
    assert "Ankle boot" in confusion and "true \\ predicted" in confusion
    assert "failed: gated: accuracy" in (report / "models/gated/summary.txt").read_text()


def test_text_from_models_is_escaped(tmp_path):
    record = CaseRecord(model="evil<script>", status="failed", reason='<img src=x onerror="alert(1)"> | a')
    directory = write_report([record], run_info(), tmp_path / "r", dataset=None)
    page = (directory / "index.html").read_text()
    assert page.count("<script>") == 1 and "<img src=x" not in page  # the page's own sorting script only
    assert "evil&lt;script&gt;" in page
    assert r"\<img src=x" in (directory / "results.md").read_text()
    assert (directory / "models/evil_script/summary.txt").is_file()


def test_exploration_is_skipped_with_a_note_when_the_data_cannot_be_loaded(tmp_path, isolated_locations):
    directory = write_report(light_records(), run_info(str(tmp_path / "nowhere")), tmp_path / "r")
    assert not (directory / "data").exists()
    note = "data exploration skipped: the dataset could not be loaded (Fashion-MNIST was not found."
    assert note in (directory / "results.md").read_text()
    assert "data exploration skipped" in (directory / "index.html").read_text()
    assert (directory / "results.json").is_file()


def test_default_directory_is_per_run_with_a_latest_pointer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = write_report(light_records(), run_info(), None, dataset=None)
    second = write_report(light_records(), run_info(), None, dataset=None)
    runs = tmp_path / ".fashionclasstic" / "runs"
    assert first == runs / "20261125T061500Z" and second == runs / "20261125T061500Z-2"
    assert (runs / "latest").is_symlink() and (runs / "latest").resolve() == second
    assert json.loads((second / "results.json").read_text())["run"]["id"] == "20261125T061500Z-2"
    assert latest_run_dir(Path(".fashionclasstic/runs")).resolve() == second


def test_latest_falls_back_to_a_text_file_where_symlinks_fail(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def no_symlinks(*args, **kwargs):
        raise OSError("symlinks are not allowed here")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    directory = write_report(light_records(), run_info(), None, dataset=None)
    runs = tmp_path / ".fashionclasstic" / "runs"
    assert (runs / "LATEST").read_text().strip() == directory.name
    assert not (runs / "latest").exists()
    assert latest_run_dir(Path(".fashionclasstic/runs")).resolve() == directory


@pytest.mark.parametrize("failing_call", [1, 2, 4])
def test_an_interrupted_write_leaves_the_previous_complete_results(tmp_path, monkeypatch, failing_call):
    """Ctrl-C while the report is written: never a partial results.json, never a stray temp file."""
    directory = tmp_path / "report"
    write_report(light_records()[:2], run_info(), directory, dataset=None)
    before = (directory / "results.json").read_text()
    real_replace, calls = os.replace, []

    def interrupted(source, target):
        calls.append(target)
        if len(calls) == failing_call:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(light_records(), run_info(), directory, dataset=None)
    after = (directory / "results.json").read_text()
    if failing_call == 1:
        assert after == before
    else:  # written before the interruption: the new one, whole
        assert len(json.loads(after)["models"]) == 4
    assert not leftovers(directory)


def test_an_interrupted_first_write_leaves_no_results_at_all(tmp_path, monkeypatch):
    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(light_records(), run_info(), tmp_path / "report", dataset=None)
    assert not (tmp_path / "report" / "results.json").exists()
    assert not leftovers(tmp_path)


def test_an_unwritable_report_directory_is_one_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(FashionClassticError, match="cannot write the report to"):
        write_report(light_records(), run_info(), blocker, dataset=None)


def test_a_saved_run_is_redrawn_from_its_results_json(report, tmp_path):
    saved_run = shutil.copytree(report, tmp_path / "saved")
    saved = (saved_run / "results.json").read_bytes()
    drawn = ("index.html", "results.md", "results.csv", "models/boosted/confusion.png",
             "models/boosted/learning_curves.png")
    for name in drawn:
        (saved_run / name).unlink()
    assert rebuild_report(str(saved_run), dataset=None) == saved_run.resolve()
    assert all((saved_run / name).is_file() for name in drawn)
    assert (saved_run / "results.json").read_bytes() == saved
    assert not leftovers(saved_run)
    elsewhere = rebuild_report(str(saved_run / "results.json"), out=tmp_path / "copy", dataset=None)
    assert json.loads((elsewhere / "results.json").read_text())["models"] == json.loads(saved)["models"]


def test_exploration_figures_are_written(tmp_path, tiny_dataset):
    written = figures.write_exploration(tiny_dataset, tmp_path / "explore")
    assert [p.name for p in written] == list(figures.EXPLORATION_FILES)
    assert all(is_png(p) for p in written)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_the_page_renders_in_a_headless_browser(report, tmp_path):
    shot = tmp_path / "shot.png"
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1400,2000",
               (report / "index.html").as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert shot.is_file() and is_png(shot) and shot.stat().st_size > 20_000
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1400, 2000)
        colours = image.convert("L").resize((140, 200)).getextrema()
    assert colours[1] - colours[0] > 100  # text and figures, not a blank page


# --------------------------------------------------------------------------- end to end, in pytest

suite = session_with(CENTROID_MODEL)


def test_a_session_writes_one_report_of_the_models_it_ran_serially_and_under_xdist_alike(suite, tmp_path):
    """Under xdist each model runs on one worker and the controller writes the one report; the
    accuracies are the serial run's; a model deselected with -k is not in it, not even as "not
    run". (The figures a session draws: test_plugin's report hook, serially, and
    test_interrupts, under xdist.)"""
    accuracies = {}
    for label, workers in (("serial", []), ("xdist", ["-n", "2"])):
        report_dir = tmp_path / label
        result = suite.runpytest_subprocess(f"--fc-data-dir={suite.data_dir}", "--fc-profile=smoke",
                                            "--fc-models=centroid,centroid_twin,decision_tree", "-k", "centroid",
                                            f"--fc-report-dir={report_dir}", "--fc-no-figures", *workers)
        result.assert_outcomes(passed=4)
        table = result.stdout.str().split("FashionClasstic results", 1)[1]
        assert "decision_tree" not in table and "not run" not in table
        output = " ".join(result.stdout.str().split())  # the line is wrapped to the terminal, paths whole
        assert "report: " not in output and output.count("results: ") == 1
        assert (f"results: {report_dir.resolve() / 'results.json'} (figures: python -m fashionclasstic report "
                f"{report_dir.resolve()})") in output
        assert [p.relative_to(report_dir) for p in report_dir.rglob("results.json")] == [Path("results.json")]
        data = json.loads((report_dir / "results.json").read_text())
        assert sorted(m["model"] for m in data["models"]) == ["centroid", "centroid_twin"]
        assert {m["status"] for m in data["models"]} == {"passed"}
        assert {m["timing"] for m in data["models"]} == {"wall-clock" if workers else "pytest-benchmark"}
        assert data["run"]["xdist_workers"] == (2 if workers else 0) and data["run"]["exit_status"] == 0
        assert {p.name for p in report_dir.iterdir()} == {"results.json", "results.md", "results.csv"}
        accuracies[label] = {m["model"]: m["accuracy"] for m in data["models"]}
    assert accuracies["xdist"] == accuracies["serial"]
    assert not (suite.path / ".fashionclasstic").exists()


def test_the_pareto_front_keeps_the_models_worth_their_time():
    from fashionclasstic.reporting.figures import pareto_front

    points = [("slow_best", 300.0, 0.93), ("fast_ok", 1.0, 0.80), ("dominated", 50.0, 0.79), ("mid", 30.0, 0.90),
              ("tie_slower", 40.0, 0.90)]
    assert pareto_front(points) == ["fast_ok", "mid", "slow_best"]
