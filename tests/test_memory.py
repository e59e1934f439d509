"""Peak memory: measured around a call, and a lower-is-better field that reaches every view."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import make_dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from fashionclasstic.cli import main
from fashionclasstic.plugin import memory
from fashionclasstic.plugin.memory import PeakMemory
from fashionclasstic.records import CaseRecord, RunInfo, measure
from fashionclasstic.reporting.html import results_table
from fashionclasstic.reporting.tables import comparison_table, csv_header, csv_rows
from fashionclasstic.runs.compare import compare
from fashionclasstic.runs.trends import trends
from tests.conftest import write_results

MB = 1_000_000


def held_for(seconds: float, megabytes: int) -> None:
    block = np.ones(megabytes * MB // 8)  # written, so resident
    time.sleep(seconds)
    del block


def peak_of(call) -> PeakMemory:
    with PeakMemory() as peak:
        peak.start()
        call()
        peak.stop()
    return peak


@pytest.mark.skipif(memory.resident_bytes() is None, reason="no way to read the resident set here")
@pytest.mark.parametrize("exact", [True, False], ids=["high-water mark", "sampled"])
def test_the_peak_above_the_start_is_measured_and_a_quiet_call_measures_little(exact, monkeypatch):
    if exact and not memory._reset_high_water_mark():
        pytest.skip("the kernel's high-water mark cannot be reset here")
    if not exact:
        monkeypatch.setattr(memory, "_reset_high_water_mark", lambda: False)
    held = np.ones(40 * MB // 8)  # held before the call: not the call's
    peak = peak_of(lambda: held_for(0.05, 80))
    assert 75 * MB <= peak.peak < 120 * MB and peak.kind.startswith("resident")
    assert peak_of(lambda: time.sleep(0.01)).peak < 10 * MB
    del held


class FakeCuda:
    """torch.cuda's peak-allocation counters, as a GPU run would move them."""

    def __init__(self, allocated: int):
        self.allocated, self.peak, self.resets = allocated, allocated, 0

    def is_initialized(self) -> bool:
        return True

    def reset_peak_memory_stats(self) -> None:
        self.peak, self.resets = self.allocated, self.resets + 1

    def memory_allocated(self) -> int:
        return self.allocated

    def max_memory_allocated(self) -> int:
        return self.peak

    def hold(self, size: int) -> None:
        self.allocated += size
        self.peak = max(self.peak, self.allocated)
        self.allocated -= size


class FakeTensorFlowMemory:
    """tf.config's GPU memory counters (``get_memory_info`` / ``reset_memory_stats``)."""

    def __init__(self, current: int):
        self.current, self.peak = current, current

    def list_logical_devices(self, kind):
        return ["GPU:0"] if kind == "GPU" else []

    def get_memory_info(self, device):
        return {"current": self.current, "peak": self.peak}

    def reset_memory_stats(self, device):
        self.peak = self.current


def test_on_a_gpu_the_frameworks_peak_allocation_above_the_start_is_measured(monkeypatch):
    cuda = FakeCuda(allocated=500 * MB)  # a model already on the GPU: not the call's
    cuda.peak = 900 * MB  # an earlier call's peak: reset at the start
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=cuda))
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    peak = peak_of(lambda: cuda.hold(300 * MB))
    assert (peak.peak, peak.kind, cuda.resets) == (300 * MB, "GPU (torch, peak allocated)", 1)

    config = FakeTensorFlowMemory(current=200 * MB)
    config.experimental = config
    monkeypatch.setitem(sys.modules, "tensorflow", SimpleNamespace(config=config))
    monkeypatch.delitem(sys.modules, "torch")
    config.peak = 800 * MB

    def tensorflow_call():
        config.peak = max(config.peak, config.current + 120 * MB)

    peak = peak_of(tensorflow_call)
    assert (peak.peak, peak.kind) == (120 * MB, "GPU (TensorFlow, peak allocated)")


Disk = make_dataclass("Disk", [("disk_bytes", int | None, measure("disk", "bytes", "disk_bytes", "disk use"))],
                      bases=(CaseRecord,))


def disk_run(path: Path, disk: int, run_id: str, started: str = "2026-11-25T06:15:00+00:00") -> Path:
    records = [Disk(model="logreg", profile="smoke", status="passed", accuracy=0.845, disk_bytes=disk)]
    info = RunInfo(id=run_id, started=started, profile="smoke", machine={"fingerprint": "same-machine"})
    return write_results(path, records, info)


def test_a_second_lower_is_better_field_reaches_every_view_and_is_judged_that_way(tmp_path, capsys):
    record = Disk(model="logreg", accuracy=0.845, disk_bytes=3 * MB)
    assert "disk" in comparison_table([record]) and "3.0 MB" in comparison_table([record])
    assert dict(zip(csv_header([record]), csv_rows([record])[0], strict=True))["disk_bytes"] == 3 * MB
    assert '<td class="num" data-sort="3000000">3.0 MB</td>' in results_table([record])  # sorted by the number
    assert record.benchmark_info()["disk_bytes"] == 3 * MB

    small, large = (disk_run(tmp_path / f"{name}.json", size, name) for name, size in (("A", 2 * MB), ("B", 3 * MB)))
    assert compare([str(small), str(large)], "disk_bytes:25%", record_type=Disk) == 1
    out = capsys.readouterr().out
    assert "FAIL logreg: disk_bytes grew +50.0%, 2.0 MB -> 3.0 MB (limit 25%) [disk_bytes:25%]" in out
    assert "disk change" in out and "+50.0%" in out
    assert compare([str(large), str(small)], "disk_bytes:25%", record_type=Disk) == 0  # smaller is better
    capsys.readouterr()

    for day in range(1, 7):  # the disk use steps up from the fourth run on
        disk_run(tmp_path / "runs" / f"r{day}" / "results.json", (2 if day < 4 else 4) * MB, f"r{day}",
                 started=f"2026-11-0{day}T12:00:00+00:00")
    assert trends(tmp_path / "runs", tmp_path / "none", out=tmp_path / "out", fail_on="disk_bytes:25%",
                  record_type=Disk) == 1
    printed = capsys.readouterr().out
    assert "FAIL logreg disk bytes stepped up at run r4: 2.0 MB -> 4.0 MB (100.00 %, limit 25)" in printed
    assert (tmp_path / "out" / "trends_smoke-same-machine_disk_bytes.png").is_file()


def test_memory_is_judged_lower_is_better_on_one_machine(tmp_path, capsys):
    def run(name: str, train_memory: int, fingerprint: str = "same-machine") -> str:
        record = CaseRecord(model="forest", profile="smoke", status="passed", accuracy=0.87, train_memory=train_memory)
        info = RunInfo(id=name, profile="smoke", machine={"fingerprint": fingerprint})
        return str(write_results(tmp_path / f"{name}.json", [record], info))

    base, grown, shrunk = run("A", 200 * MB), run("B", 300 * MB), run("C", 100 * MB)
    assert main(["compare", base, grown, "--fail-on", "train_memory:25%"]) == 1
    assert "FAIL forest: train_memory grew +50.0%, 200.0 MB -> 300.0 MB" in capsys.readouterr().out
    assert main(["compare", base, shrunk, "--fail-on", "train_memory:25%"]) == 0
    capsys.readouterr()
    elsewhere = run("D", 300 * MB, fingerprint="another-machine")
    assert main(["compare", base, elsewhere, "--fail-on", "train_memory:25%"]) == 0
    assert "memory not judged" in capsys.readouterr().out
    assert json.loads(Path(base).read_text())["models"][0]["train_memory"] == 200 * MB
