"""``python -m fashionclasstic ab``: two revisions of a user's project benchmarked interleaved on
this machine, and judged with compare's rules (real pytest sessions, a model of the project's)."""

import json
import subprocess

import pytest

from fashionclasstic.cli import main

MODELS = '''
import time

import numpy as np

from fashionclasstic import register_model
from fashionclasstic.models import SklearnClassifier

SLEEP_SECONDS = {sleep}  # the change under test doubles this
WRONG_SHARE = {wrong}  # ... and makes this share of the predictions wrong


class Slow(SklearnClassifier):
    def fit(self, x, y, validation=None):
        time.sleep(SLEEP_SECONDS)
        return super().fit(x, y, validation)

    def predict(self, x):
        predictions = np.array(super().predict(x))
        wrong = int(WRONG_SHARE * len(predictions))
        predictions[:wrong] = (predictions[:wrong] + 1) % 10
        return predictions


@register_model("slow_centroid", family="prototype", framework="scikit-learn")
def slow_centroid(params, context):
    from sklearn.neighbors import NearestCentroid
    return Slow(estimator=NearestCentroid())
'''


# A plugin both sides load with -p: it names the CPU as its revision's code does, so that each
# revision computes another machine fingerprint on this one machine (as when the suite changed
# what its fingerprint hashes)
PLUGIN = '''
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["cpu"] = dict(machine_info.get("cpu") or {{}}, brand_raw="{cpu}")
'''


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def project(tmp_path, official_data_dir, shared_cache, monkeypatch):
    """A user's project in git: BASE sleeps 1.5 s in fit, HEAD sleeps 3 s and gets 3% more wrong (on
    a loaded CI machine the rest of a fit once took 0.7 s, which hid a change of 0.3 s)."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ab@example.org")
    git(repo, "config", "user.name", "ab")
    (repo / "my_models.py").write_text(MODELS.format(sleep=1.5, wrong=0.0))
    (repo / "ab_plugin.py").write_text(PLUGIN.format(cpu="the CPU as base names it"))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    (repo / "my_models.py").write_text(MODELS.format(sleep=3.0, wrong=0.03))
    (repo / "ab_plugin.py").write_text(PLUGIN.format(cpu="the CPU as head names it"))
    git(repo, "commit", "-qam", "slower and worse")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("FASHIONCLASSTIC_DATA", str(official_data_dir))
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(shared_cache))
    for variable in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(variable, raising=False)
    return repo


PYTEST_OPTIONS = ["--", "-p", "no:cacheprovider", "-p", "ab_plugin", "--fc-import", "my_models.py",
                  "--fc-models", "slow_centroid", "--fc-profile", "smoke"]


def ab_judged(capsys, base: str, head: str, repeats: int, out: str) -> tuple[int, str]:
    """``ab`` with the rules of the acceptance (time +25%, accuracy 1 point): status and output."""
    status = main(["ab", base, head, "--repeats", str(repeats), "--out", out,
                   "--fail-on", "train_time:25%,accuracy:1", *PYTEST_OPTIONS])
    return status, capsys.readouterr().out


@pytest.mark.slow  # two revisions, four sessions
@pytest.mark.e2e
def test_a_change_that_doubles_training_and_drops_accuracy_fails(project, capsys):
    """Each revision computes its own fingerprint (its plugin, loaded with -p on both sides, names
    the CPU its way): ab ran both sides here and judges the times as one machine's, saying so."""
    status, out = ab_judged(capsys, "HEAD~1", "HEAD", 2, "ab-run")
    assert status == 1, out
    assert "ab: both sides ran on this machine in this job: their times are judged as one machine's; the " \
           "revisions compute the fingerprint differently (base " in out
    fails = [line for line in out.splitlines() if line.startswith("FAIL ")]
    assert any("slow_centroid: train_time grew" in line for line in fails), out
    assert any("slow_centroid: accuracy fell" in line and "[accuracy:1]" in line for line in fails), out
    # the rounds alternate, and each side is an ordinary run with every round's repeat
    order = [line.split(",")[0] for line in out.splitlines() if line.startswith(("ab: base", "ab: head"))]
    assert [label.split()[1] for label in order] == ["base", "head"] * 2
    for side in ("base", "head"):
        saved = json.loads((project / "ab-run" / side / "results.json").read_text())
        (record,) = saved["models"]
        assert [repeat["seed"] for repeat in record["repeats"]] == [0, 1]
        assert len(record["train_samples"]) == 2 and saved["run"]["repeats"] == 2
        # a session is one time sample: its inference rounds count, their median is judged
        assert len(record["inference_samples"]) == 2 and record["inference_rounds"] > 2
        assert saved["run"]["machine"]["cpu"]["brand_raw"] == f"the CPU as {side} names it"  # -p loaded it
    assert main(["compare", "ab-run/base", "ab-run/head", "--fail-on", "accuracy:1"]) == 1


@pytest.mark.slow  # two sessions of a 3-second fit
@pytest.mark.e2e
def test_two_identical_revisions_pass_the_same_rules(project, capsys):
    status, out = ab_judged(capsys, "HEAD", "HEAD", 1, "ab-same")
    assert status == 0, out
    assert "no regression" in out


@pytest.mark.parametrize("argv, message", [
    (["ab", "no-such-revision"], "'no-such-revision' is not a commit of"),
    (["ab", "HEAD", "--", "--fc-seed", "3"], "--fc-seed is set by ab itself"),
    (["ab", "HEAD", "--", "-n", "2"], "-n is set by ab itself: it controls xdist"),
    (["ab", "HEAD", "--", "-n4"], "-n is set by ab itself: it controls xdist"),
    (["ab", "HEAD", "--", "--tx", "socket=127.0.0.1:8888"], "--tx is set by ab itself: it controls xdist"),
    (["ab", "HEAD", "--", "--benchmark-json=x.json"], "--benchmark-json is set by ab itself: it controls where"),
    (["ab", "HEAD", "--fail-on", "speed:3"], "unknown metric 'speed'"),
])
def test_bad_input_is_one_line_and_exit_2(project, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


@pytest.mark.e2e
def test_a_side_that_cannot_collect_is_one_line_and_exit_2(project, capsys):
    """The base side runs first: broken there, ab stops before running the head at all."""
    working = (project / "my_models.py").read_text()
    (project / "my_models.py").write_text("raise ImportError('broken on purpose')\n")
    git(project, "commit", "-qam", "broken")
    (project / "my_models.py").write_text(working)  # the working tree (the head side) is fine
    assert main(["ab", "HEAD", "--repeats", "1", "--out", "ab-broken", *PYTEST_OPTIONS]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "side did not run its cases (pytest exit 4" in err[0] and "the base" in err[0], err
    assert "ab: head" not in captured.out


def test_outside_a_repository(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["ab", "HEAD"]) == 2
    assert "is not inside a git repository" in capsys.readouterr().err


def test_options_after_the_separator_belong_to_ab_only(capsys):
    with pytest.raises(SystemExit):
        main(["models", "--", "--fc-models", "x"])
    assert "for ab only" in capsys.readouterr().err
