import re
import subprocess
import sys

from fashionclasstic.cli import main
from tests.conftest import REPO, write_results


def test_models_lists_the_registry(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("logreg", "svm", "decision_tree", "random_forest", "xgboost"):
        assert re.search(rf"^{name}\s", out, re.MULTILINE)


def test_models_says_why_a_model_would_skip_here(capsys, monkeypatch):
    """A pretrained model whose weights are absent (no local copy, its host unreachable) says why."""
    from fashionclasstic.models import torch_deit

    monkeypatch.setattr(torch_deit, "resolve_pretrained", lambda name, weights_dir: (_ for _ in ()).throw(
        torch_deit.ModelUnavailable(f"deit: pretrained weights {name} are absent here")))
    assert main(["models", "deit*"]) == 0
    out = capsys.readouterr().out
    absent = r"^deit\s.*deit: pretrained weights facebook/deit-tiny-patch16-224 are absent here"
    assert re.search(absent, out, re.MULTILINE), out
    assert re.search(r"^deit_scratch\s.*\sready\s", out, re.MULTILINE), out


def test_data_reports_the_verified_source(official_data_dir, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(tmp_path))
    assert main(["data", "--data-dir", str(official_data_dir)]) == 0
    assert "60000 train / 10000 test images, verified" in capsys.readouterr().out


def test_a_missing_data_directory_is_one_line_of_advice_not_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "fashionclasstic", "data", "--data-dir", str(tmp_path / "x")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Fashion-MNIST was not found.")
    assert "Traceback" not in result.stderr


def test_ci_runs_the_test_command_the_readme_documents():
    ci = (REPO / ".ci/run").read_text()
    steps = [line.removeprefix("run ").removesuffix(' "$@"') for line in ci.splitlines() if line.startswith("run ")]
    assert len(steps) == 3
    assert f"\n{' && '.join(steps)}\n" in (REPO / "README.md").read_text()


def _saved_run(directory, data_dir):
    from fashionclasstic.records import CaseRecord, RunInfo

    records = [CaseRecord(model="logreg", status="passed", accuracy=0.84, confusion=[[1, 0], [0, 1]],
                          classification_report="report text", timing="wall-clock"),
               CaseRecord(model="svm", status="skipped", reason="not here")]
    info = RunInfo(id="20261125T061500Z", data={"source": "archives", "data_dir": str(data_dir)})
    write_results(directory / "results.json", records, info)
    return directory


def test_report_redraws_a_saved_run_without_training(tmp_path, capsys, isolated_locations):
    run = _saved_run(tmp_path / "run", tmp_path / "no-data")
    assert main(["report", str(run), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.strip() == f"report: {(tmp_path / 'out').resolve() / 'index.html'}"
    for name in ("results.json", "results.md", "results.csv", "index.html", "models/logreg/confusion.png",
                 "models/svm/summary.txt"):
        assert (tmp_path / "out" / name).is_file(), name
    assert "data exploration skipped" in (tmp_path / "out" / "results.md").read_text()
    assert main(["report", str(run / "results.json")]) == 0
    assert (run / "index.html").is_file() and (run / "models/logreg/confusion.png").is_file()


def test_report_of_something_else_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "x.json").write_text('{"benchmarks": []}')
    assert main(["report", str(tmp_path / "x.json")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["report", "latest", "--runs-dir", str(tmp_path)]) == 2
    assert "'latest': no saved run under" in capsys.readouterr().err


def test_explore_draws_the_three_data_figures(official_data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "explore"
    assert main(["explore", "--out", str(out), "--data-dir", str(official_data_dir)]) == 0
    for name in ("samples.png", "class_histogram.png", "per_class.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_explore_without_data_is_one_line_of_advice(tmp_path):
    result = subprocess.run([sys.executable, "-m", "fashionclasstic", "explore", "--out", str(tmp_path / "o"),
                             "--data-dir", str(tmp_path / "x"), "--no-download"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Fashion-MNIST was not found.") and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
