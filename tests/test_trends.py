"""history: saved runs in time order, steps found and named, charts, and the gate on them."""

from __future__ import annotations

import json

from fashionclasstic.cli import main
from fashionclasstic.runs.trends import trends
from tests.conftest import save_runs


def test_a_sustained_drop_is_named_and_fails_the_gate(tmp_path, capsys):
    ids = save_runs(tmp_path / "runs", logreg_drop_from=4)
    status = main(["history", "--runs-dir", str(tmp_path / "runs"), "--storage", str(tmp_path / "none"),
                   "--out", str(tmp_path / "out"), "--fail-on", "accuracy:0.5"])
    printed = capsys.readouterr().out
    assert status == 1
    assert f"FAIL logreg accuracy stepped down at run {ids[3]} (commit {'4' * 12}): 0.8400 -> 0.8200" in printed
    assert "random_forest accuracy stepped" not in printed and "dnn accuracy stepped" not in printed
    assert (tmp_path / "out/trends.html").is_file()
    charts = sorted(p.name for p in (tmp_path / "out").glob("*.png"))
    assert len(charts) == 3 and all(name.startswith("trends_smoke-") for name in charts)
    assert (tmp_path / "out" / charts[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_flat_history_passes(tmp_path, capsys):
    save_runs(tmp_path / "runs")
    status = trends(tmp_path / "runs", tmp_path / "none", out=tmp_path / "out", fail_on="accuracy:0.5,train_time:25%")
    assert status == 0
    assert "no step: flat within the noise" in capsys.readouterr().out


def test_runs_of_other_machines_are_kept_apart(tmp_path, capsys):
    ids = save_runs(tmp_path / "runs", count=3)
    other = json.loads((tmp_path / "runs" / ids[0] / "results.json").read_text())
    other["run"]["machine"]["fingerprint"] = "another-machine"
    (tmp_path / "runs" / "other").mkdir()
    (tmp_path / "runs" / "other" / "results.json").write_text(json.dumps(other))
    assert trends(tmp_path / "runs", tmp_path / "none", models="log*", out=tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "smoke on machine another-machine: 1 runs" in printed and ": 3 runs" in printed
    assert "random_forest" not in printed
