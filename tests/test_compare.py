"""``python -m fashionclasstic compare``: our results.json against pytest-benchmark's JSON, the
deltas it prints, and the ``--fail-on`` gate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fashionclasstic.cli import main
from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord, RunInfo
from fashionclasstic.runs.rules import Rule, parse_fail_on
from tests.conftest import write_benchmark, write_results


def our_run(path: Path, models: dict[str, tuple[float, float, float]], run_id: str = "20261125T061500Z") -> Path:
    """A results.json as the suite writes it; ``models``: name -> (accuracy, train s, inference s)."""
    records = [CaseRecord(model=name, profile="smoke", status="passed", accuracy=acc, train_seconds=train,
                          inference_seconds=infer, timing="pytest-benchmark", n_test=2000)
               for name, (acc, train, infer) in models.items()]
    info = RunInfo(id=run_id, profile="smoke", machine={"fingerprint": "same-machine"})
    return write_results(path, records, info)


def benchmark_run(path: Path, models: dict[str, tuple[float, float, float]]) -> Path:
    """A pytest-benchmark autosave file holding our two cases per model, with their extra_info."""
    records = [CaseRecord(model=name, profile="smoke", accuracy=acc, macro_f1=acc - 0.01, train_samples=[train],
                          inference_samples=[infer]) for name, (acc, train, infer) in models.items()]
    info = RunInfo(finished="2026-11-25T06:15:00", machine={"node": "ci", "fingerprint": "same-machine"},
                   git={"commit": "abc"})
    return write_benchmark(path, records, info)


BASELINE = {"logreg": (0.8450, 10.0, 0.020), "xgboost": (0.8800, 100.0, 0.050)}


@pytest.fixture
def runs(tmp_path):
    """Our run as the baseline, then a pytest-benchmark run where logreg lost 1.5 points."""
    first = our_run(tmp_path / "run1" / "results.json", BASELINE)
    later = benchmark_run(tmp_path / ".benchmarks" / "Linux-CPython-3.11-64bit" / "0002_abc_20261126_061500.json",
                          {"logreg": (0.8300, 12.0, 0.021), "xgboost": (0.8810, 101.0, 0.050)})
    return first, later


def test_compare_prints_each_runs_numbers_and_the_changes(runs, capsys):
    first, later = runs
    assert main(["compare", str(first.parent), str(later)]) == 0
    out = capsys.readouterr().out
    assert "1. 20261125T061500Z" in out and "2. 0002" in out and "pytest-benchmark" in out
    logreg = [line for line in out.splitlines() if "0.8300" in line]
    assert len(logreg) == 1 and "-1.50" in logreg[0] and "+20.0%" in logreg[0] and "+5.0%" in logreg[0]
    assert any("0.8810" in line and "+0.10" in line for line in out.splitlines())


def test_an_accuracy_drop_beyond_the_limit_fails(runs, capsys):
    first, later = runs
    assert main(["compare", str(first), str(later), "--fail-on", "accuracy:0.5"]) == 1
    out = capsys.readouterr().out
    assert "FAIL logreg: accuracy fell 1.50 points, 0.8450 -> 0.8300 (limit 0.5)" in out
    assert "xgboost: accuracy" not in out


def test_no_drop_beyond_the_limits_passes(runs, capsys):
    first, later = runs
    assert main(["compare", str(first), str(later), "--fail-on", "accuracy:2,train_time:25%,inference_time:50%"]) == 0
    assert "no regression of 0002 against 20261125T061500Z" in capsys.readouterr().out


def test_a_slower_training_fails_the_time_rule(runs, capsys):
    first, later = runs
    assert main(["compare", str(first), str(later), "--fail-on", "train_time:10%"]) == 1
    out = capsys.readouterr().out
    assert "FAIL logreg: train_time grew +20.0%" in out and "xgboost: train_time" not in out


def test_the_last_run_is_judged_against_the_first(tmp_path, capsys):
    first = our_run(tmp_path / "a.json", BASELINE, "A")
    middle = our_run(tmp_path / "b.json", {"logreg": (0.70, 10.0, 0.02), "xgboost": (0.88, 100.0, 0.05)}, "B")
    last = our_run(tmp_path / "c.json", BASELINE, "C")
    assert main(["compare", str(first), str(middle), str(last), "--fail-on", "accuracy:0.5"]) == 0
    assert "-14.50" in capsys.readouterr().out  # the middle run's drop is shown, not judged


def test_a_model_missing_from_the_last_run_is_reported_and_fails(tmp_path, capsys):
    first = our_run(tmp_path / "a.json", BASELINE, "A")
    last = our_run(tmp_path / "b.json", {"xgboost": (0.88, 100.0, 0.05), "svm": (0.89, 50.0, 1.0)}, "B")
    assert main(["compare", str(first), str(last)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines()]
    assert ["logreg", "A", "0.8450"] == rows[rows.index(["B", "missing"]) - 1][:3]
    assert rows[rows.index(["svm", "A", "missing"]) + 1][:3] == ["B", "0.8900", "new"]
    assert main(["compare", str(first), str(last), "--fail-on", "accuracy:0.5"]) == 1
    assert "FAIL logreg: missing from the last run (B)" in capsys.readouterr().out


def test_runs_are_found_by_number_and_as_latest(runs, tmp_path, monkeypatch, capsys):
    first, later = runs
    monkeypatch.chdir(tmp_path)
    benchmark_run(tmp_path / ".benchmarks" / "Linux-CPython-3.11-64bit" / "0001_abc_20261125_061500.json", BASELINE)
    assert main(["compare", "0001", "2"]) == 0
    assert "1. 0001" in capsys.readouterr().out
    assert main(["compare", "0001", "latest"]) == 0  # no suite run saved here: pytest-benchmark's latest
    runs_dir = tmp_path / ".fashionclasstic" / "runs"
    our_run(runs_dir / "20261127T000000Z" / "results.json", BASELINE, "20261127T000000Z")
    (runs_dir / "latest").symlink_to("20261127T000000Z")
    capsys.readouterr()
    assert main(["compare", "0001", "latest", "--fail-on", "accuracy:0.1"]) == 0
    assert "2. 20261127T000000Z" in capsys.readouterr().out


@pytest.mark.parametrize("spec, message", [
    ("accuracy", "'accuracy' is not METRIC:LIMIT"),
    ("speed:5%", "unknown metric 'speed'"),
    ("accuracy:lots", "accuracy needs accuracy points such as 0.5, got 'lots'"),
    ("train_time:fast", "train_time needs a percentage such as 25%, got 'fast'"),
    ("accuracy:-1", "the limit of accuracy must be a number of at least 0"),
    ("accuracy:0.5,", "'' is not METRIC:LIMIT"),
])
def test_a_bad_fail_on_spec_is_one_line_and_exit_2(runs, capsys, spec, message):
    first, later = runs
    assert main(["compare", str(first), str(later), "--fail-on", spec]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: --fail-on")
    assert message in captured.err and captured.out == ""


def test_the_fail_on_spec_is_parsed():
    assert parse_fail_on("accuracy:0.5, train_time:25%,inference_time:50,macro_f1:1pt") == [
        Rule("accuracy", 0.5), Rule("train_time", 25.0), Rule("inference_time", 50.0), Rule("macro_f1", 1.0)]
    with pytest.raises(ConfigError):
        parse_fail_on("accuracy:nan")


def test_missing_and_unreadable_files_are_one_line_and_exit_2(runs, tmp_path):
    first, _ = runs
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "fashionclasstic.results", "models": [')
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    for argument, message in ((tmp_path / "absent.json", "no such file or run directory"),
                              (broken, "not valid JSON"), (other, "neither a FashionClasstic results.json"),
                              ("0042", "no pytest-benchmark run 0042")):
        result = subprocess.run([sys.executable, "-m", "fashionclasstic", "compare", str(first), str(argument)],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert message in result.stderr and "Traceback" not in result.stderr


def test_compare_needs_two_runs(runs, capsys):
    assert main(["compare", str(runs[0])]) == 2
    assert "compare needs at least two runs" in capsys.readouterr().err
