"""``python -m fashionclasstic export RUN --format github-action-benchmark|bencher``: the files
each dashboard reads, checked against the shapes their projects document (copied below, with
their source), for every model of a run, a merged run and a pytest-benchmark file alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fashionclasstic.cli import main
from fashionclasstic.fileio import atomic_write_json
from fashionclasstic.records import CaseRecord, RunInfo
from fashionclasstic.reporting.publishers import Report, results_document
from tests.conftest import SPLIT, shard_run

# github-action-benchmark, README.md ("Examples": customBiggerIsBetter / customSmallerIsBetter),
# https://github.com/benchmark-action/github-action-benchmark#examples
ACTION_EXAMPLE = [
    {"name": "My Custom Smaller Is Better Benchmark - CPU Load", "unit": "Percent", "value": 50},
    {"name": "My Custom Smaller Is Better Benchmark - Memory Used", "unit": "Megabytes", "value": 100, "range": "3",
     "extra": "Value for Tooltip: 25\nOptional Num #2: 100\nAnything Else!"},
]
# ... and what the action parses it with (src/extract.ts): BenchmarkResult = z.object({name:
# z.coerce.string(), value: z.coerce.number(), range: z.coerce.string().optional(), unit:
# z.coerce.string(), extra: z.coerce.string().optional()})
ACTION_FIELDS = {"name": str, "value": (int, float), "unit": str, "range": str, "extra": str}
ACTION_REQUIRED = {"name", "value", "unit"}

# Bencher Metric Format, https://bencher.dev/docs/reference/bencher-metric-format/ (the example
# and its JSON Schema, https://bencher.dev/bmf.json)
BMF_EXAMPLE = {
    "benchmark_name": {"latency": {"value": 88.0, "lower_value": 87.42, "upper_value": 88.88},
                       "throughput": {"value": 5.55, "lower_value": 3.14, "upper_value": 6.30}},
    "/bin/sh -c ./my_build_script.sh": {"build-time": {"value": 87.0}},
    "my_binary": {"file-size": {"value": 42.0}},
}
BMF_SCHEMA = {
    "$id": "https://bencher.dev/bmf.json", "$schema": "http://json-schema.org/draft-07/schema", "type": "object",
    "patternProperties": {".+": {"type": "object", "patternProperties": {".+": {
        "type": "object", "properties": {"value": {"type": "number"}, "lower_value": {"type": "number"},
                                         "upper_value": {"type": "number"}},
        "required": ["value"]}}}},
}
MEASURE_SLUG_LENGTH = 64  # Bencher: a Measure's slug or name, at most 64 characters


def action_errors(entries) -> list[str]:
    """Where a file differs from the action's custom-tool shape."""
    if not isinstance(entries, list):
        return ["not a JSON list"]
    errors = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            errors.append(f"entry {number}: not an object")
            continue
        errors += [f"entry {number}: {key} missing" for key in sorted(ACTION_REQUIRED - set(entry))]
        for key, value in entry.items():
            kind = ACTION_FIELDS.get(key)
            if kind is None or not isinstance(value, kind) or isinstance(value, bool):
                errors.append(f"entry {number}: {key}={value!r} is not in the documented shape")
    return errors


def bmf_errors(document) -> list[str]:
    """Where a document differs from the Bencher Metric Format's JSON Schema."""
    measure_schema = BMF_SCHEMA["patternProperties"][".+"]["patternProperties"][".+"]
    if not isinstance(document, dict):
        return ["not a JSON object"]
    errors = []
    for benchmark, measures in document.items():
        if not benchmark or not isinstance(measures, dict):
            errors.append(f"{benchmark!r}: not an object of measures")
            continue
        for measure, metric in measures.items():
            if not measure or len(measure) > MEASURE_SLUG_LENGTH or not isinstance(metric, dict):
                errors.append(f"{benchmark}/{measure}: not a measure")
                continue
            errors += [f"{benchmark}/{measure}: {key} missing" for key in measure_schema["required"]
                       if key not in metric]
            for key, value in metric.items():
                known = key in measure_schema["properties"]
                if not known or not isinstance(value, (int, float)) or isinstance(value, bool):
                    errors.append(f"{benchmark}/{measure}: {key}={value!r} is not in the schema")
    return errors


def test_the_checks_accept_the_documented_examples_and_refuse_other_shapes():
    assert action_errors(ACTION_EXAMPLE) == [] and bmf_errors(BMF_EXAMPLE) == []
    assert action_errors([{"name": "a", "value": "1"}]) == ["entry 0: unit missing",
                                                            "entry 0: value='1' is not in the documented shape"]
    assert bmf_errors({"b": {"m": {"lower_value": 1.0, "median": 2.0}}}) == [
        "b/m: value missing", "b/m: median=2.0 is not in the schema"]


REPEATED = CaseRecord(model="svm", profile="smoke", status="passed", accuracy=0.85, accuracy_std=0.002,
                      macro_f1=0.849, repeats=[{"seed": s, "accuracy": a, "macro_f1": a - 0.001}
                                               for s, a in enumerate((0.848, 0.850, 0.852))],
                      train_seconds=3.1, train_samples=[3.0, 3.1, 3.4], inference_seconds=0.5,
                      inference_samples=[0.5, 0.45, 0.6, 0.5, 0.52], train_memory=50_000_000,
                      inference_memory=1_000_000)
SINGLE = CaseRecord(model="logreg", profile="smoke", status="failed", accuracy=0.83, macro_f1=0.829,
                    train_seconds=5.0, train_samples=[5.0], inference_seconds=0.01)  # no memory measured


@pytest.fixture
def saved_run(tmp_path) -> Path:
    info = RunInfo(id="20261204T120000Z", profile="smoke", repeats=3, exit_status=1, complete=True,
                   git={"commit": "c" * 40}, machine={"fingerprint": "aaaa000000000001"})
    atomic_write_json(tmp_path / "run" / "results.json", results_document(Report([REPEATED, SINGLE], info, tmp_path)))
    return tmp_path / "run"


def exported(run: Path, fmt: str, out: Path, capsys) -> dict[str, object]:
    assert main(["export", str(run), "--format", fmt, "--out", str(out)]) == 0
    written = capsys.readouterr().out.split()
    return {Path(path).name: json.loads(Path(path).read_text()) for path in written}


def test_github_action_benchmark_gets_one_file_per_direction(saved_run, tmp_path, capsys):
    files = exported(saved_run, "github-action-benchmark", tmp_path / "out", capsys)
    assert sorted(files) == ["customBiggerIsBetter.json", "customSmallerIsBetter.json"]
    assert action_errors(files["customBiggerIsBetter.json"]) == action_errors(files["customSmallerIsBetter.json"]) == []
    bigger = {e["name"]: e for e in files["customBiggerIsBetter.json"]}
    smaller = {e["name"]: e for e in files["customSmallerIsBetter.json"]}
    assert sorted(bigger) == ["logreg [smoke] accuracy", "logreg [smoke] macro_f1", "svm [smoke] accuracy",
                              "svm [smoke] macro_f1"]
    assert sorted(smaller) == ["logreg [smoke] inference_seconds", "logreg [smoke] train_seconds",
                               "svm [smoke] inference_memory", "svm [smoke] inference_seconds",
                               "svm [smoke] train_memory", "svm [smoke] train_seconds"]
    svm = bigger["svm [smoke] accuracy"]
    assert (svm["value"], svm["unit"], svm["range"]) == (0.85, "fraction", "± 0.002")
    assert svm["extra"].startswith("n=3, min 0.848, max 0.852\nrun 20261204T120000Z, commit cccccccccccc")
    assert "range" not in bigger["logreg [smoke] accuracy"]  # one run: no spread
    assert (smaller["svm [smoke] train_seconds"]["unit"], smaller["svm [smoke] train_memory"]["unit"]) == ("s", "bytes")
    assert smaller["svm [smoke] train_seconds"]["range"] == "± 0.208167"  # the rounds' standard deviation
    assert "range" not in smaller["logreg [smoke] train_seconds"]


def test_bencher_gets_the_metric_format_with_the_repeats_bounds(saved_run, tmp_path, capsys):
    files = exported(saved_run, "bencher", tmp_path / "out", capsys)
    document = files["bencher.json"]
    assert bmf_errors(document) == []
    assert sorted(document) == ["logreg [smoke]", "svm [smoke]"]
    assert document["svm [smoke]"]["accuracy"] == {"value": 0.85, "lower_value": 0.848, "upper_value": 0.852}
    assert document["svm [smoke]"]["train-seconds"] == {"value": 3.1, "lower_value": 3.0, "upper_value": 3.4}
    assert document["svm [smoke]"]["train-memory"] == {"value": 50_000_000}
    assert sorted(document["logreg [smoke]"]) == ["accuracy", "inference-seconds", "macro-f1", "train-seconds"]


@pytest.mark.parametrize("fmt", ["github-action-benchmark", "bencher"])
def test_a_merged_run_and_a_pytest_benchmark_file_export_every_model(tmp_path, capsys, fmt):
    shards = [shard_run(tmp_path / f"shard{k}", k, 3, models) for k, models in SPLIT.items()]
    assert main(["merge", *map(str, shards), "--out", str(tmp_path / "merged")]) == 0
    capsys.readouterr()
    models = sorted(m for part in SPLIT.values() for m in part)
    for run in (tmp_path / "merged", tmp_path / "merged" / "benchmark.json"):
        files = exported(run, fmt, tmp_path / f"out-{run.name}", capsys)
        if fmt == "bencher":
            assert bmf_errors(files["bencher.json"]) == []
            assert sorted(files["bencher.json"]) == [f"{m} [smoke]" for m in models]
        else:
            assert all(action_errors(entries) == [] for entries in files.values())
            accuracies = {e["name"]: e["value"] for e in files["customBiggerIsBetter.json"]}
            assert {name: accuracies[f"{name} [smoke] accuracy"] for name in models} == {
                name: values[0] for part in SPLIT.values() for name, values in part.items()}


def test_a_folder_that_cannot_be_written_is_one_line(saved_run, tmp_path, capsys):
    (tmp_path / "taken").write_text("a file")
    assert main(["export", str(saved_run), "--format", "bencher", "--out", str(tmp_path / "taken")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: cannot write the export to {tmp_path / 'taken'}: ")
