"""pytest-benchmark's JSON written from the suite's records (xdist runs, merged shards): the
same schema as pytest-benchmark's own, read by ``pytest-benchmark compare`` and by ours."""

import json
import subprocess
import sys

from fashionclasstic.records import CaseRecord, RunInfo
from fashionclasstic.runs.benchmark_json import benchmark_document, write_benchmark_json
from fashionclasstic.runs.saved import read_run


def records():
    finished = CaseRecord(model="logreg", profile="smoke", accuracy=0.84, timing="wall-clock",
                          train_samples=[2.0, 2.5, 3.0], inference_samples=[0.1, 0.3, 0.2],
                          node_ids={"train": "benchmarks/test_models.py::test_train[logreg]"}, status="passed")
    interrupted = CaseRecord(model="cnn", status="interrupted", reason="stopped by SIGTERM during test_train[cnn]")
    return [finished, interrupted]


def test_the_document_holds_every_finished_case_in_pytest_benchmarks_schema(tmp_path):
    info = RunInfo(id="r", finished="2026-11-30T12:00:00+00:00", cwd="/home/user/project",
                   machine={"node": "n", "fingerprint": "abc"}, git={"commit": "deadbeef", "dirty": True},
                   versions={"pytest-benchmark": "5.3.1"})
    document = benchmark_document(records(), info)
    assert set(document) == {"machine_info", "commit_info", "benchmarks", "datetime", "version"}
    assert document["commit_info"]["id"] == "deadbeef" and document["machine_info"]["fingerprint"] == "abc"
    train, inference = document["benchmarks"]  # nothing of the interrupted model: it has no samples
    assert (train["name"], train["fullname"], train["group"], train["param"]) == (
        "test_train[logreg]", "benchmarks/test_models.py::test_train[logreg]", "train", "logreg")
    assert inference["fullname"] == "benchmarks/test_models.py::test_inference[logreg]"
    assert train["stats"]["median"] == 2.5 and train["stats"]["rounds"] == 3 and train["stats"]["min"] == 2.0
    assert inference["stats"]["data"] == [0.1, 0.3, 0.2] and train["extra_info"]["accuracy"] == 0.84
    assert train["options"]["timer"].startswith("fashionclasstic wall-clock")

    path = write_benchmark_json(records(), info, tmp_path / "0001_run.json")
    assert json.loads(path.read_text()) == json.loads(json.dumps(document))
    run = read_run(path)
    assert run.models["logreg"].train_seconds == 2.5 and run.models["logreg"].accuracy == 0.84
    compared = subprocess.run([sys.executable, "-m", "pytest_benchmark", "compare", str(path), "--columns=min,median"],
                              capture_output=True, text=True, timeout=60)
    assert compared.returncode == 0, compared.stderr
    assert "test_train[logreg]" in compared.stdout and "test_inference[logreg]" in compared.stdout
