"""Shared helpers for the unit tests: small synthetic IDX archives and the real data's location."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fashionclasstic.data import archives
from fashionclasstic.records import CaseRecord, RunInfo

pytest_plugins = ["pytester"]  # the tests run throw-away pytest sessions; the benchmarks never need it
REPO = Path(__file__).resolve().parents[1]


SESSION_FIXTURES = {"pytester", "bench_session", "suite_run"}
NETWORK_FRAMEWORKS = {"keras", "torch"}


def trains_a_network(item) -> bool:
    """The contract run over a model that a deep-learning framework trains."""
    from fashionclasstic.models import get_model_spec

    name = getattr(item, "callspec", None) and item.callspec.params.get("name")
    return ("test_contract.py" in item.nodeid and isinstance(name, str)
            and get_model_spec(name).framework in NETWORK_FRAMEWORKS)


def pytest_collection_modifyitems(config, items):
    """End to end (``e2e``; ``-m "not e2e"`` skips them, CI runs them): a test that starts its
    own pytest session, or trains a framework's network (marked in its module, or the contract
    over such a model)."""
    for item in items:
        if SESSION_FIXTURES & set(getattr(item, "fixturenames", ())) or trains_a_network(item):
            item.add_marker(pytest.mark.e2e)
    # The long tests first, so that under xdist the short ones fill the gaps at the end (the
    # longest-first rule).
    items.sort(key=lambda item: "e2e" not in item.keywords)


def striped_images(count: int, noise: float, stripe: float) -> tuple[np.ndarray, np.ndarray]:
    """Images any model learns in a moment: random ``noise``, and each class adds ``stripe`` to
    its own three rows; and their labels, 0-9 in turn."""
    labels = np.arange(count) % 10
    images = np.random.default_rng(0).random((count, 28, 28), dtype=np.float32) * noise
    for label in range(10):
        images[labels == label, 2 * label:2 * label + 3] += stripe
    return images, labels


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def synthetic_official(monkeypatch):
    """Replace the official files by small synthetic ones whose hashes the suite then expects.

    Returns a function writing the four archives into a directory (``compresslevel`` changes
    the archive bytes but not the content, like Debian's recompression).
    """
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (30, 28, 28)), "y_train": np.arange(30) % 10,
              "x_test": rng.integers(0, 256, (20, 28, 28)), "y_test": np.arange(20) % 10}
    contents = {key: idx_bytes(np.asarray(value, dtype=np.uint8)) for key, value in arrays.items()}
    canonical = {key: gzip.compress(content, compresslevel=9, mtime=0) for key, content in contents.items()}
    files = tuple(replace(f, archive_sha256=hashlib.sha256(canonical[f.key]).hexdigest(),
                          content_sha256=hashlib.sha256(contents[f.key]).hexdigest(),
                          count=len(arrays[f.key]))
                  for f in archives.OFFICIAL_FILES)
    monkeypatch.setattr(archives, "OFFICIAL_FILES", files)

    def write(directory: Path, compresslevel: int = 9) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for f in files:
            data = canonical[f.key] if compresslevel == 9 else gzip.compress(contents[f.key], compresslevel)
            (directory / f.filename).write_bytes(data)
        return directory

    write.arrays = arrays
    write.files = files
    return write


@pytest.fixture
def isolated_locations(tmp_path, monkeypatch):
    """No real data anywhere the suite looks: empty home, cache, Debian dir; downloads off."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FASHIONCLASSTIC_DATA", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setattr(archives, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setattr(archives, "MIRRORS", ())
    return tmp_path


def real_data_dir() -> Path | None:
    for candidate in (os.environ.get("FASHIONCLASSTIC_DATA"), REPO.parent / "shared/data/fashion-mnist",
                      "/usr/share/datasets/fashion-mnist"):
        if candidate and (Path(candidate) / "train-labels-idx1-ubyte.gz").is_file():
            return Path(candidate)
    return None


@pytest.fixture
def official_data_dir() -> Path:
    """The real archives (CI has them at ../shared); tests needing them skip elsewhere."""
    return required_data_dir()


def required_data_dir() -> Path:
    found = real_data_dir()
    if found is None:
        pytest.skip("the official Fashion-MNIST archives are not available (set FASHIONCLASSTIC_DATA)")
    return found


def copy_benchmark_cases(directory: Path) -> None:
    """The suite's benchmark cases, as a session in ``directory`` collects them."""
    shutil.copy(REPO / "benchmarks" / "test_models.py", directory / "test_models.py")


CENTROID_MODEL = '''
from fashionclasstic import register_model
from fashionclasstic.models import SklearnClassifier


@register_model("centroid", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.6})
def centroid(params, context):
    """Nearest class mean: a user's own model, trained in a blink."""
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid())


@register_model("centroid_twin", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.6})
def centroid_twin(params, context):
    """A second model as quick, where a test needs two."""
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid(shrink_threshold=0.1))
'''


def session_with(conftest: str = "", **plugins: str):
    """A module's ``suite`` fixture: a :func:`bench_session` holding ``conftest`` (models a
    user registers in a conftest) and plugin modules (``name=source``, loaded with ``-p name``)."""

    @pytest.fixture
    def suite(bench_session):
        if conftest:
            bench_session.makeconftest(conftest)
        if plugins:
            bench_session.makepyfile(**plugins)
        return bench_session

    return suite


def shared_run(conftest: str, *args: str, env: dict[str, str] | None = None):
    """A module's ``suite_run`` fixture: one pytest session of the suite's benchmark cases with
    ``conftest`` (a user's models), ``args`` and ``env`` (more environment variables), started
    once for the module's tests, each of which asserts its own part of it (a
    :class:`pytest.RunResult`; ``.path`` is its directory)."""

    @pytest.fixture(scope="module")
    def suite_run(tmp_path_factory, shared_cache):
        data_dir = required_data_dir()
        directory = tmp_path_factory.mktemp("suite-run")
        copy_benchmark_cases(directory)
        (directory / "conftest.py").write_text(conftest)
        result = run_pytest(directory, {"FASHIONCLASSTIC_CACHE": str(shared_cache), **(env or {})},
                            "-p", "no:cacheprovider", f"--fc-data-dir={data_dir}", *args)
        result.path = directory
        return result

    return suite_run


def run_pytest(directory: Path, env: dict[str, str], *args: str, timeout: float = 300) -> pytest.RunResult:
    """``python -m pytest args`` in ``directory`` as pytester's ``runpytest_subprocess`` starts
    it (its own home, no inherited pytest or xdist settings), for fixtures wider than a test."""
    inherited = {key: value for key, value in os.environ.items()
                 if key not in ("PYTEST_ADDOPTS", "TOX_ENV_DIR") and not key.startswith("PYTEST_XDIST")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", f"--basetemp={directory / 'basetemp'}", *args],
                          cwd=directory, env={**inherited, "HOME": str(directory), "PY_COLORS": "0", **env},
                          capture_output=True, text=True, timeout=timeout, check=False)
    return pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(),
                            time.perf_counter() - started)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One suite cache for the sessions the tests start: the parsed arrays are written once
    (not the user's cache; the tests of the cache itself use their own)."""
    return tmp_path_factory.mktemp("fashionclasstic-cache")


@pytest.fixture
def bench_session(pytester, official_data_dir, shared_cache, monkeypatch):
    """A throw-away pytest session holding the suite's benchmark cases and the real data
    (``.data_dir``); a test adds the conftest or plugin module that registers its models."""
    monkeypatch.setenv("FASHIONCLASSTIC_CACHE", str(shared_cache))
    for variable in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(variable, raising=False)  # when the unit tests themselves run under xdist
    copy_benchmark_cases(pytester.path)
    pytester.data_dir = official_data_dir
    return pytester


def run_smoke(suite, *args: str, figures: bool = False, timeout: float = 300) -> pytest.RunResult:
    """A smoke session of ``suite`` (a :func:`bench_session`) on the real data; without
    ``figures`` it writes the results files alone (seconds sooner)."""
    return suite.runpytest_subprocess(f"--fc-data-dir={suite.data_dir}", "--fc-profile=smoke",
                                      *(() if figures else ("--fc-no-figures",)), *args, timeout=timeout)


def results_of(directory: Path) -> dict:
    """The ``results.json`` a session wrote into ``directory``."""
    return json.loads((Path(directory) / "results.json").read_text())


# --------------------------------------------------------------------------- saved runs


def write_results(path: Path, records: list, info) -> Path:
    """``results.json`` at ``path`` as the suite writes it, from records: a saved run for the
    commands over runs, without drawing anything."""
    from fashionclasstic.fileio import atomic_write_json
    from fashionclasstic.reporting.publishers import Report, results_document

    atomic_write_json(path, results_document(Report(records, info, path.parent)))
    return path


def write_benchmark(path: Path, records: list, info) -> Path:
    """pytest-benchmark's JSON of the records at ``path`` (every case with samples), as the
    suite writes it where pytest-benchmark was off."""
    from fashionclasstic.runs.benchmark_json import write_benchmark_json

    return write_benchmark_json(records, info, path)


def timed_run(runs_dir: Path, profile: str, times: dict[str, tuple[float, float]], started: str,
              run_id: str) -> Path:
    """A saved run of ``profile`` under ``runs_dir`` that timed each model: name -> (train s,
    inference s)."""
    from fashionclasstic.records import CaseRecord, RunInfo

    records = [CaseRecord(model=name, profile=profile, status="passed", accuracy=0.8, train_seconds=train,
                          train_samples=[train], inference_seconds=infer, inference_rounds=5)
               for name, (train, infer) in times.items()]
    return write_results(runs_dir / run_id / "results.json", records, RunInfo(id=run_id, started=started,
                                                                             profile=profile))


# --------------------------------------------------------------------------- saved runs made up

REAL_RUN = Path(__file__).parent / "data" / "smoke_3_repeats.json"


def save_runs(runs_dir: Path, count: int = 6, logreg_drop_from: int | None = None) -> list[str]:
    """``count`` copies of a real run, a day apart, times jittered by up to 3%; logreg 2 points
    lower from run ``logreg_drop_from`` (1-based) on."""
    real = json.loads(REAL_RUN.read_text())
    jitter = random.Random(0)
    ids = []
    for number in range(1, count + 1):
        run = copy.deepcopy(real)
        run_id = f"202611{number:02d}T120000Z"
        run["run"].update(id=run_id, started=f"2026-11-{number:02d}T12:00:00+00:00")
        run["run"]["git"]["commit"] = str(number) * 40
        for model in run["models"]:
            for key in ("train_seconds", "inference_seconds"):
                model[key] *= 1 + jitter.uniform(-0.03, 0.03)
            if model["model"] == "logreg" and logreg_drop_from and number >= logreg_drop_from:
                model["accuracy"] -= 0.02
        (runs_dir / run_id).mkdir(parents=True)
        (runs_dir / run_id / "results.json").write_text(json.dumps(run))
        ids.append(run_id)
    return ids


ZEN4 = {"fingerprint": "aaaa000000000001", "cpu": "AMD EPYC 9R14 (Zen 4)", "cores": 2, "threads": 2, "node": "ci-1"}
ZEN3 = {"fingerprint": "bbbb000000000002", "cpu": "AMD EPYC 7R13 (Zen 3)", "cores": 2, "threads": 2, "node": "ci-2"}
SPLIT = {1: {"logreg": (0.8390, 5.0, 0.010)}, 2: {"svm": (0.8477, 3.2, 1.80), "decision_tree": (0.7470, 1.6, 0.002)},
         3: {"random_forest": (0.8320, 1.2, 0.070)}}
ALL = sorted(m for part in SPLIT.values() for m in part)


def shard_run(directory: Path, k: int | None, n: int, models: dict, machine: dict = ZEN4, *, profile="smoke", seed=0,
              repeats=1, commit="c" * 40, started="2026-11-30T10:00:00+00:00", run_id=None,
              benchmark=True, selected=tuple(ALL), benchmark_at: Path | None = None, killed_after: int | None = None,
              ) -> Path:
    """A shard's run directory as ``pytest benchmarks --fc-shard K/N --fc-report-dir DIR
    --benchmark-json DIR/benchmark.json`` leaves it; ``k`` None: a run that was not sharded.
    ``benchmark_at``: its pytest-benchmark JSON saved there instead (``--benchmark-autosave``),
    recorded in ``run.benchmark_json``; ``killed_after``: killed once that many models finished
    (the others not run, ``run.complete`` false, no pytest-benchmark JSON)."""
    records = [CaseRecord(model=name, profile=profile, seed=seed, status="passed", accuracy=acc, macro_f1=acc - 0.001,
                          train_seconds=train, train_samples=[train], inference_seconds=infer,
                          inference_samples=[infer] * 5, timing="pytest-benchmark", n_test=2000,
                          family="test", framework="scikit-learn", machine=dict(machine))
               for name, (acc, train, infer) in models.items()]
    if killed_after is not None:
        records = records[:killed_after] + [CaseRecord(model=r.model, profile=profile, seed=seed, status="not run",
                                                       reason="the session ended before this model ran")
                                            for r in records[killed_after:]]
    shard = {} if k is None else {"k": k, "n": n, "models": sorted(models), "durations": "registry estimates",
                                  "selected": list(selected)}
    info = RunInfo(id=run_id or f"20261130T10000{k or 0}Z", started=started, finished=started.replace("10:", "11:"),
                   exit_status=0, complete=True, profile=profile, seed=seed, repeats=repeats, threads_per_worker=2,
                   machine={"fingerprint": machine["fingerprint"], "cpu": {"brand_raw": machine["cpu"]},
                            "cpu_count": 2, "node": machine["node"]},
                   git={"commit": commit}, suite={"version": "0.1.0", "commit": commit, "dirty": False},
                   data={"source": "archives", "data_dir": str(directory / "no-data")}, shard=shard,
                   benchmark_json=[str(benchmark_at)] if benchmark_at else [])
    if killed_after is not None:
        info.complete, info.exit_status, info.finished = False, None, ""
    if benchmark and killed_after is None:
        write_benchmark(benchmark_at or directory / "benchmark.json", records, info)
    write_results(directory / "results.json", records, info)
    return directory
