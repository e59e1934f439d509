"""``python -m fashionclasstic merge``: shards' runs into one run and one pytest-benchmark JSON,
the refusals, ``--allow-partial``, and each model keeping the machine it ran on (the report,
compare and history)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fashionclasstic.cli import main
from fashionclasstic.runs.trends import trends
from tests.conftest import ALL, SPLIT, ZEN3, ZEN4, shard_run

PAIR = ["logreg", "svm"]


@pytest.fixture
def shards(tmp_path) -> list[Path]:
    return [shard_run(tmp_path / f"shard{k}", k, 3, models) for k, models in SPLIT.items()]


def merged(tmp_path, *runs, extra=()) -> tuple[int, Path]:
    out = tmp_path / "merged"
    return main(["merge", *map(str, runs), "--out", str(out), *extra]), out


def test_shards_merge_into_one_run_and_one_pytest_benchmark_file(tmp_path, shards, capsys):
    status, out = merged(tmp_path, *reversed(shards))
    printed = capsys.readouterr().out
    assert status == 0 and f"report: {out.resolve() / 'index.html'}" in printed
    saved = json.loads((out / "results.json").read_text())
    assert sorted(m["model"] for m in saved["models"]) == ["decision_tree", "logreg", "random_forest", "svm"]
    assert saved["run"]["complete"] is True and saved["run"]["shard"] == {}
    assert [s["k"] for s in saved["run"]["merged"]["shards"]] == [1, 2, 3] and saved["run"]["merged"]["missing"] == []
    assert saved["run"]["started"] == "2026-11-30T10:00:00+00:00" and saved["run"]["id"] == "20261130T100001Z-merged"
    bench = json.loads((out / "benchmark.json").read_text())
    names = [b["name"] for b in bench["benchmarks"]]
    assert sorted(names) == sorted(f"test_{g}[{m}]" for m in ("logreg", "svm", "decision_tree", "random_forest")
                                   for g in ("train", "inference"))
    assert all(b["extra_info"]["machine"] == ZEN4 for b in bench["benchmarks"])
    assert bench["machine_info"]["fingerprint"] == ZEN4["fingerprint"]
    for name in ("results.md", "results.csv", "index.html", "accuracy_vs_time.png", "models/svm/summary.txt"):
        assert (out / name).is_file(), name
    assert "machine" not in (out / "results.md").read_text().split("## Models", 1)[1].split("\n")[2]  # one machine


def test_merging_the_same_shards_twice_gives_the_same_files(tmp_path, shards):
    first, second = tmp_path / "one", tmp_path / "two"
    assert main(["merge", *map(str, shards), "--out", str(first)]) == 0
    assert main(["merge", *map(str, reversed(shards)), "--out", str(second)]) == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) >= 10 and files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_the_merged_benchmark_file_loads_in_pytest_benchmark_compare(tmp_path, shards):
    status, out = merged(tmp_path, *shards)
    command = [sys.executable, "-c", "import sys; from pytest_benchmark.cli import main; sys.exit(main())"]
    shown = subprocess.run([*command, "compare", str(out / "benchmark.json")], capture_output=True, text=True,
                           timeout=120)
    assert status == 0 and shown.returncode == 0, shown.stderr
    for case in ("test_train[logreg]", "test_inference[svm]", "test_train[random_forest]"):
        assert shown.stdout.count(case) == 1, case


def test_compare_reads_the_merged_run_as_one_run(tmp_path, shards, capsys):
    _, out = merged(tmp_path, *shards)
    serial = shard_run(tmp_path / "serial", None, 1, {m: v for part in SPLIT.values() for m, v in part.items()})
    capsys.readouterr()
    assert main(["compare", str(serial), str(out / "benchmark.json"), "--fail-on", "accuracy:0.01"]) == 0
    assert main(["compare", str(serial), str(out), "--fail-on", "accuracy:0.01,train_time:5%"]) == 0
    printed = capsys.readouterr().out
    assert "no regression" in printed and printed.count("+0.00") == 8


@pytest.mark.parametrize(("change", "message"), [
    (dict(profile="full"), "cannot merge runs of different profiles"),
    (dict(seed=1), "cannot merge runs of different seeds"),
    (dict(repeats=3), "cannot merge runs of different repeats"),
    (dict(commit="d" * 40), "cannot merge runs of different suite commits"),
    (dict(n=4), "cannot merge shards of different N"),
    (dict(models={"svm": (0.84, 3.0, 1.0)}), "model svm is in two runs: shard 2/3"),
    (dict(k=2), "shard 2/3 is given twice"),
])
def test_shards_that_cannot_be_one_run_are_refused_with_one_line(tmp_path, shards, capsys, change, message):
    k = change.pop("k", 3)
    n = change.pop("n", 3)
    models = change.pop("models", SPLIT[3])
    odd = shard_run(tmp_path / "odd", k, n, models, **change)
    status, out = merged(tmp_path, shards[0], shards[1], odd)
    error = capsys.readouterr().err
    assert status == 2 and error.startswith(f"error: {message}") and error.count("\n") == 1, error
    assert not out.exists()


def test_shards_that_split_differently_are_refused(tmp_path, shards, capsys):
    other = shard_run(tmp_path / "other", 3, 3, {"random_forest": (0.832, 1.2, 0.07)})
    results = json.loads((other / "results.json").read_text())
    results["run"]["shard"]["selected"] = ["random_forest"]
    (other / "results.json").write_text(json.dumps(results))
    assert merged(tmp_path, shards[0], shards[1], other)[0] == 2
    assert capsys.readouterr().err.startswith("error: the shards selected different models (shard 1/3")
    orphan = shard_run(tmp_path / "orphan", 3, 3, {})  # its share went to no shard: other durations
    assert merged(tmp_path, shards[0], shards[1], orphan)[0] == 2
    error = capsys.readouterr().err
    assert error == ("error: random_forest in no shard: the shards split by different durations; give every shard "
                     "the same --fc-durations RUN\n")


def test_a_missing_shard_is_named_and_refused(tmp_path, shards, capsys):
    status, _ = merged(tmp_path, shards[0], shards[2])
    error = capsys.readouterr().err
    assert status == 2 and error.count("\n") == 1
    assert error.startswith("error: shard 2/3 missing (merged 1/3, 3/3)") and "--allow-partial" in error


def test_allow_partial_writes_an_incomplete_run_that_names_the_missing_shard(tmp_path, shards, capsys):
    status, out = merged(tmp_path, shards[0], shards[2], extra=["--allow-partial"])
    assert status == 0 and "incomplete: shard 2 of 3 missing" in capsys.readouterr().out
    saved = json.loads((out / "results.json").read_text())
    assert saved["run"]["complete"] is False and saved["run"]["merged"]["missing"] == [2]
    absent = {m["model"]: m for m in saved["models"] if m["status"] == "not run"}
    assert sorted(absent) == ["decision_tree", "svm"]
    assert absent["svm"]["reason"] == "shard 2/3 missing from this merged run (--allow-partial)"
    for table in ("results.md", "results.csv", "index.html"):
        assert (out / table).read_text().count("shard 2/3 missing") >= 2, table
    assert "MISSING shard 2" in (out / "results.md").read_text()
    assert len(json.loads((out / "benchmark.json").read_text())["benchmarks"]) == 4


def test_a_killed_shard_is_named_with_its_unfinished_models_and_refused(tmp_path, shards, capsys):
    killed = shard_run(tmp_path / "killed", 2, 3, SPLIT[2], killed_after=1)
    status, out = merged(tmp_path, shards[0], killed, shards[2])
    error = capsys.readouterr().err
    assert status == 2 and error.count("\n") == 1 and not out.exists()
    assert error == (f"error: shard 2/3 ({killed}) is incomplete: killed or interrupted (run.complete false), models "
                     f"not finished: decision_tree; rerun it, or --allow-partial to write an incomplete run\n")


def test_allow_partial_keeps_every_case_any_shard_recorded_and_names_the_shard_without_a_json(tmp_path, shards,
                                                                                             capsys):
    killed = shard_run(tmp_path / "killed", 2, 3, SPLIT[2], killed_after=1)
    status, out = merged(tmp_path, shards[0], killed, shards[2], extra=["--allow-partial"])
    shown = capsys.readouterr().out
    assert status == 0
    assert f"note: shard 2/3 ({killed}) is incomplete: killed or interrupted (run.complete false), models not " \
           f"finished: decision_tree (--allow-partial)" in shown
    assert f"note: no pytest-benchmark JSON in shard 2/3 ({killed})" in shown
    saved = json.loads((out / "results.json").read_text())
    assert saved["run"]["complete"] is False and saved["run"]["benchmark_json"] == ["benchmark.json"]
    assert {m["model"]: m["status"] for m in saved["models"]}["decision_tree"] == "not run"
    names = sorted(b["name"] for b in json.loads((out / "benchmark.json").read_text())["benchmarks"])
    kept = ("logreg", "random_forest")
    assert names == sorted(f"test_{phase}[{m}]" for m in kept for phase in ("train", "inference"))


def test_shards_saved_with_autosave_merge_from_where_each_run_recorded_its_json(tmp_path):
    """``--benchmark-autosave`` saves into pytest-benchmark's storage, outside the run folder;
    the run records where (``run.benchmark_json``) and the merge reads it from there."""
    parts = [shard_run(tmp_path / f"shard{k}", k, 3, models, benchmark_at=tmp_path / f"ci-{k}" / ".benchmarks"
                       / "Linux-CPython-3.11-64bit" / f"0001_{'c' * 40}_20261130_100000.json")
             for k, models in SPLIT.items()]
    assert not any((part / "benchmark.json").exists() for part in parts)
    status, out = merged(tmp_path, *parts)
    assert status == 0
    names = [b["name"] for b in json.loads((out / "benchmark.json").read_text())["benchmarks"]]
    assert sorted(names) == sorted(f"test_{phase}[{m}]" for m in ALL for phase in ("train", "inference"))


def test_a_run_without_a_shard_joins_as_a_part_of_its_own(tmp_path):
    """The networks on a GPU runner (--fc-models), the rest split over CPU runners."""
    gpu = {"fingerprint": "cccc000000000003", "cpu": "Intel Xeon with an H100", "cores": 16, "threads": 16,
           "node": "gpu-1"}
    cpu_models = {m: v for part in SPLIT.values() for m, v in part.items()}
    parts = [shard_run(tmp_path / "cpu1", 1, 2, dict(list(cpu_models.items())[:2])),
             shard_run(tmp_path / "cpu2", 2, 2, dict(list(cpu_models.items())[2:])),
             shard_run(tmp_path / "gpu", None, 1, {"cnn": (0.93, 40.0, 0.5)}, gpu)]
    status, out = merged(tmp_path, *parts)
    assert status == 0
    assert len(json.loads((out / "results.json").read_text())["models"]) == 5


def test_two_machines_are_shown_per_model_and_kept_apart_by_history(tmp_path, capsys):
    """Shards on two machines: the report shows each model's machine; history over such runs
    groups each model's times by the machine it ran on; compare judges times per machine."""
    runs_dir = tmp_path / "runs"
    for day in (1, 2, 3, 4):
        started = f"2026-11-0{day}T10:00:00+00:00"
        slow = 1.0 if day < 3 else 1.5  # logreg got slower on the Zen 3 machine from day 3
        parts = [shard_run(tmp_path / f"d{day}" / "s1", 1, 2, {"logreg": (0.839, 5.0 * slow, 0.01)}, ZEN3,
                           started=started, selected=PAIR, run_id=f"2026110{day}T100001Z"),
                 shard_run(tmp_path / f"d{day}" / "s2", 2, 2, {"svm": (0.848, 3.2, 1.8)}, ZEN4, started=started,
                           selected=PAIR, run_id=f"2026110{day}T100002Z")]
        assert main(["merge", *map(str, parts), "--runs-dir", str(runs_dir)]) == 0
    capsys.readouterr()
    merged_dir = runs_dir / "20261101T100001Z-merged"
    markdown = (merged_dir / "results.md").read_text()
    table = markdown.split("## Models", 1)[1]
    assert "| machine" in table or "machine |" in table
    assert "AMD EPYC 7R13 (Zen 3), 2 cores, 2 threads [bbbb000000000002]" in table
    assert "AMD EPYC 9R14 (Zen 4), 2 cores, 2 threads [aaaa000000000001]" in table
    assert "machine 1" in markdown and "machine 2" in markdown
    page = (merged_dir / "index.html").read_text()
    assert "[bbbb000000000002]" in page and "[aaaa000000000001]" in page

    assert trends(runs_dir, tmp_path / "none", out=tmp_path / "trends", fail_on="train_time:25%") == 1
    printed = capsys.readouterr().out
    assert "== smoke on machine aaaa000000000001: 4 runs" in printed
    assert "== smoke on machine bbbb000000000002: 4 runs" in printed
    zen3 = printed.split("== smoke on machine bbbb000000000002", 1)[1].split("==", 1)[0]
    zen4 = printed.split("== smoke on machine aaaa000000000001", 1)[1].split("==", 1)[0]
    assert "logreg" in zen3 and "svm" not in zen3 and "svm" in zen4 and "logreg" not in zen4
    assert "FAIL logreg train time stepped up" in printed

    # the same models, swapped between the machines: accuracy judged, times not
    swapped = [shard_run(tmp_path / "sw" / "s1", 1, 2, {"logreg": (0.839, 9.0, 0.01)}, ZEN4, selected=PAIR),
               shard_run(tmp_path / "sw" / "s2", 2, 2, {"svm": (0.848, 3.2, 1.8)}, ZEN4, selected=PAIR)]
    assert main(["merge", *map(str, swapped), "--out", str(tmp_path / "swapped")]) == 0
    capsys.readouterr()
    assert main(["compare", str(merged_dir), str(tmp_path / "swapped"), "--fail-on", "accuracy:0.5,train_time:5%"]) == 0
    printed = capsys.readouterr().out
    assert "times of logreg not judged" in printed and "bbbb000000000002 and aaaa000000000001" in printed
