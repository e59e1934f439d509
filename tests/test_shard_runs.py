"""``--fc-shard`` in real pytest sessions (pytester): the split, the header, ``run.shard``, the
merge of the shards against one serial run, an empty shard, and each record's machine under
xdist workers."""

from __future__ import annotations

import json

import pytest

from tests.conftest import results_of, run_smoke, session_with

MODELS = '''
import os

from fashionclasstic import register_model
from fashionclasstic.models import SklearnClassifier


def centroid(params, context):
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid(shrink_threshold=params["shrink"]))


# expected seconds chosen so that two shards are {big} and {mid, small}
for name, seconds, shrink in (("big", 10.0, None), ("mid", 6.0, 0.1), ("small", 5.0, 0.5)):
    register_model(name, family="prototype", framework="scikit-learn", params={"shrink": shrink},
                   expected_seconds={"smoke": seconds}, min_accuracy={"smoke": 0.5})(centroid)


def pytest_benchmark_update_machine_info(config, machine_info):
    """A worker started with FC_FAKE_CPU names that CPU: tells one process's machine from another's."""
    if os.environ.get("FC_FAKE_CPU"):
        machine_info["cpu"] = dict(machine_info.get("cpu") or {}, brand_raw=os.environ["FC_FAKE_CPU"])
'''


suite = session_with(MODELS)


def run(suite, *args):
    return run_smoke(suite, "-p", "no:cacheprovider", "--fc-models=big,mid,small", *args)


def test_an_xdist_shard_keeps_its_models_and_each_record_the_machine_of_its_worker(suite, monkeypatch):
    """Shard 2/2 on two popen workers that name different CPUs: the workers split the same
    numbers the controller read, and each model's row shows the machine of the worker that ran
    it, which only that worker knows (the merge of real shards is shown in test_merge with
    fabricated ones, and end to end in the README's acceptance run)."""
    monkeypatch.setenv("COLUMNS", "200")  # wide enough for the machine column beside the default ones
    result = run(suite, "--fc-shard=2/2", "--fc-no-report", "--dist", "load", "-v",
                 "--tx", "popen//env:FC_FAKE_CPU=cpu-of-gw0", "--tx", "popen//env:FC_FAKE_CPU=cpu-of-gw1")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["shard 2/2: mid, small; expected 11 s; durations from registry estimates"])
    ran_on = {}
    for line in result.stdout.lines:  # "[gw1] PASSED test_models.py::test_train[mid]"
        if line.startswith("[gw") and "PASSED" in line:
            ran_on[line.split("[")[-1].rstrip("] ")] = line[1:4]
    table = result.stdout.str().split("FashionClasstic results", 1)[1]
    rows = {model: line for line in table.splitlines() for model in ("big", "mid", "small")
            if f" {model} " in f" {line} "}
    assert sorted(rows) == sorted(ran_on) == ["mid", "small"], (rows, ran_on)
    assert set(ran_on.values()) == {"gw0", "gw1"}  # xdist's scope scheduling starts each worker on one model
    assert "machine" in table.splitlines()[1]  # two machines in one run: the table names each model's
    for model, row in rows.items():
        assert f"cpu-of-{ran_on[model]}, " in row and " threads [" in row, row


def test_the_split_follows_k_and_an_empty_shard_passes(suite, tmp_path):
    """-k leaves only small, which the split of one model puts in shard 1: shard 2 holds nothing
    (without -k, small would be in shard 2), says so, passes, and leaves a run for the merge."""
    empty = run(suite, "--fc-shard=2/2", "-k", "small", f"--fc-report-dir={tmp_path / 'empty'}",
                f"--fc-data-dir={tmp_path / 'no-data'}")  # nothing trains: no data needed, no data figures drawn
    assert empty.ret == pytest.ExitCode.OK
    empty.assert_outcomes(deselected=6)
    empty.stdout.fnmatch_lines(["shard 2/2 holds no model: the selected models all belong to other shards*"])
    left = results_of(tmp_path / "empty")
    assert left["models"] == [] and left["run"]["shard"]["models"] == [] and left["run"]["shard"]["k"] == 2


def test_a_malformed_shard_stops_before_any_training(suite):
    result = run(suite, "--fc-shard=4/3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == ["ERROR: --fc-shard '4/3': write K/N, shard K of N with 1 <= K <= N (e.g. 1/3)"]


@pytest.mark.slow  # two whole shard sessions
def test_shards_saved_with_autosave_record_their_json_and_merge_into_one(suite, tmp_path, capsys):
    """Serially pytest-benchmark times the cases and autosaves them into its storage; each shard's
    run records which file that was, and the merge reads every shard's from there."""
    from fashionclasstic.cli import main

    for k in (1, 2):
        result = run(suite, f"--fc-shard={k}/2", f"--fc-report-dir={tmp_path / f'shard{k}'}", "--fc-no-figures",
                     "--benchmark-autosave")
        assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    saved = sorted((suite.path / ".benchmarks").glob("*/*.json"))
    assert [path.name[:4] for path in saved] == ["0001", "0002"]
    assert [results_of(tmp_path / f"shard{k}")["run"]["benchmark_json"] for k in (1, 2)] == [[str(p)] for p in saved]
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) == 0
    capsys.readouterr()
    merged = json.loads((tmp_path / "merged" / "benchmark.json").read_text())
    assert sorted(b["name"] for b in merged["benchmarks"]) == sorted(
        f"test_{phase}[{model}]" for model in ("big", "mid", "small") for phase in ("train", "inference"))
