"""``--fc-shard`` in real pytest sessions (pytester): the split, the header, ``run.shard``, the
merge of the shards against one serial run, an empty shard, and each record's machine under
xdist workers."""

from __future__ import annotations

import json

import pytest

from fashionclasstic.cli import main

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


@pytest.fixture
def suite(bench_session):
    bench_session.makeconftest(MODELS)
    return bench_session


def run(suite, *args):
    return suite.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", f"--fc-data-dir={suite.data_dir}",
                                      "--fc-profile=smoke", "--fc-models=big,mid,small", *args)


def saved(directory) -> dict:
    return json.loads((directory / "results.json").read_text())


def test_shards_hold_whole_models_keep_their_machines_and_merge_into_one_run(suite, tmp_path, capsys):
    """Shard 1/2 serially, shard 2/2 on two popen workers that name different CPUs: each record
    carries the machine of the worker that ran it (only the worker knows it), and the merged run
    holds every model once, showing each model's machine."""
    first = run(suite, "--fc-shard=1/2", f"--fc-report-dir={tmp_path / 's1'}",
                f"--benchmark-json={tmp_path / 's1' / 'benchmark.json'}")
    first.assert_outcomes(passed=2, deselected=4)
    first.stdout.fnmatch_lines(["shard 1/2: big; expected 10 s of 21 s over 2 shards (10 / 11); "
                                "durations from registry estimates"])
    second = run(suite, "--fc-shard=2/2", f"--fc-report-dir={tmp_path / 's2'}", "--dist", "load",
                 "--tx", "popen//env:FC_FAKE_CPU=cpu-of-gw0", "--tx", "popen//env:FC_FAKE_CPU=cpu-of-gw1")
    second.assert_outcomes(passed=4)
    second.stdout.fnmatch_lines(["shard 2/2: mid, small; expected 11 s; durations from registry estimates"])
    for directory, models in ((tmp_path / "s1", ["big"]), (tmp_path / "s2", ["mid", "small"])):
        shard = saved(directory)["run"]["shard"]
        assert shard["models"] == models and shard["selected"] in (["big", "mid", "small"], None)
    records = saved(tmp_path / "s2")["models"]
    assert sorted(r["model"] for r in records) == ["mid", "small"]
    for record in records:
        assert record["machine"]["cpu"] == f"cpu-of-{record['worker']}", record
        assert record["machine"]["threads"] == 1 and record["machine"]["fingerprint"]
    assert saved(tmp_path / "s2")["run"]["machine"]["cpu"]["brand_raw"] not in ("cpu-of-gw0", "cpu-of-gw1")

    assert main(["merge", str(tmp_path / "s2"), str(tmp_path / "s1"), "--out", str(tmp_path / "merged")]) == 0
    merged = saved(tmp_path / "merged")
    accuracy = {m["model"]: m["accuracy"] for m in merged["models"]}
    assert accuracy == {m["model"]: m["accuracy"] for shard in ("s1", "s2") for m in saved(tmp_path / shard)["models"]}
    assert len(accuracy) == 3 and len(set(accuracy.values())) == 3 and merged["run"]["complete"] is True
    table = (tmp_path / "merged" / "results.md").read_text().split("## Models", 1)[1]
    assert "machine" in table.splitlines()[2] and table.count("cpu-of-gw") == 2
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "s1"), str(tmp_path / "merged"), "--fail-on", "accuracy:0"]) == 0
    assert "no regression" in capsys.readouterr().out


def test_the_split_follows_k_and_an_empty_shard_passes(suite, tmp_path):
    """-k leaves only small, which the split of one model puts in shard 1: shard 2 holds nothing
    (without -k, small would be in shard 2), says so, passes, and leaves a run for the merge."""
    empty = run(suite, "--fc-shard=2/2", "-k", "small", f"--fc-report-dir={tmp_path / 'empty'}",
                f"--fc-data-dir={tmp_path / 'no-data'}")  # nothing trains: no data needed, no data figures drawn
    assert empty.ret == pytest.ExitCode.OK
    empty.assert_outcomes(deselected=6)
    empty.stdout.fnmatch_lines(["shard 2/2 holds no model: the selected models all belong to other shards*"])
    left = saved(tmp_path / "empty")
    assert left["models"] == [] and left["run"]["shard"]["models"] == [] and left["run"]["shard"]["k"] == 2


def test_a_malformed_shard_stops_before_any_training(suite):
    result = run(suite, "--fc-shard=4/3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == ["ERROR: --fc-shard '4/3': write K/N, shard K of N with 1 <= K <= N (e.g. 1/3)"]
