"""Every way of running xdist is xdist to the suite: a worker on another host through an execnet
socket server (here a real one on loopback, as ``--tx socket=HOST:PORT`` reaches a remote
machine) beside a local one. The run counts both workers, writes the pytest-benchmark JSON
asked for (pytest-benchmark is off under xdist), and each record names the machine of the
process that ran it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fashionclasstic.plugin.xdist_adapter import spec_workers
from tests.conftest import REPO, required_data_dir, results_of, run_pytest

MODELS = ("logreg", "decision_tree")  # two cheap models: one for each worker


@pytest.mark.parametrize("spec, count", [("popen", 1), ("3*popen", 3), ("socket=127.0.0.1:8888", 1),
                                         ("2*ssh=user@host//python=python3", 2), ("popen//env:A=1*2", 1)])
def test_each_tx_spec_starts_the_workers_xdist_documents(spec, count):
    assert spec_workers(spec) == count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def socket_server(tmp_path):
    """An execnet socket server on loopback, with this test's environment (the data, the same
    fashionclasstic on ``PYTHONPATH``); yields its ``HOST:PORT``."""
    port = free_port()
    folder = tmp_path / "remote"
    folder.mkdir()
    server = subprocess.Popen([sys.executable, "-u", "-m", "execnet.script.socketserver", f"127.0.0.1:{port}"],
                              cwd=folder, env=suite_environment(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()  # "... Entering Accept loop ('127.0.0.1', PORT)": it listens
        assert "Accept loop" in line, line
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def suite_environment(tmp_path: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "FASHIONCLASSTIC_DATA": str(required_data_dir()),
            "FASHIONCLASSTIC_CACHE": str(tmp_path / "cache"), "HOME": str(tmp_path)}


@pytest.mark.slow  # a real socket server and two workers: its spec counting is the fast test above
@pytest.mark.e2e
def test_a_socket_worker_and_a_popen_worker_write_the_benchmark_json_and_count_two_workers(tmp_path,
                                                                                          socket_server):
    """As a user of the installed suite runs it (``--pyargs``, from a folder outside the
    checkout, so that both workers collect the same node ids)."""
    user = tmp_path / "user"
    user.mkdir()
    environment = suite_environment(tmp_path)
    result = run_pytest(user, {key: environment[key] for key in ("PYTHONPATH", "FASHIONCLASSTIC_DATA",
                                                                "FASHIONCLASSTIC_CACHE")},
                        "--pyargs", "fashionclasstic.benchmarks", "-p", "no:cacheprovider", "-d",
                        "--tx", f"socket={socket_server}", "--tx", "popen", "--benchmark-autosave",
                        "--fc-profile=smoke", f"--fc-models={','.join(MODELS)}", "--fc-no-figures", timeout=600)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    run_dir = next((user / ".fashionclasstic" / "runs").glob("*/results.json")).parent
    data = results_of(run_dir)
    assert data["run"]["xdist_workers"] == 2
    records = {entry["model"]: entry for entry in data["models"]}
    assert sorted(records) == sorted(MODELS) and {r["status"] for r in records.values()} == {"passed"}
    assert {r["worker"] for r in records.values()} == {"gw0", "gw1"}
    assert all(r["machine"]["fingerprint"] for r in records.values())
    saved = list((user / ".benchmarks").glob("*/0001_*.json"))
    assert len(saved) == 1, list((user / ".benchmarks").rglob("*"))
    names = {bench["name"] for bench in json.loads(saved[0].read_text())["benchmarks"]}
    assert names == {f"test_{phase}[{model}]" for phase in ("train", "inference") for model in MODELS}
    compared = subprocess.run([sys.executable, "-m", "pytest_benchmark", "compare", str(saved[0])],  # its CLI
                              cwd=user, capture_output=True, text=True, timeout=120, check=False)
    assert compared.returncode == 0, compared.stderr
    assert all(f"test_{phase}[{model}]" in compared.stdout for phase in ("train", "inference") for model in MODELS), \
        compared.stdout
