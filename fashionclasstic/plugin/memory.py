"""Peak memory of a call: how much more the process held at its peak than just before it.

On Linux the kernel keeps the resident set's high-water mark (``VmHWM``) and resets it on request
(``5`` into ``/proc/self/clear_refs``, Linux 4.0+), so the peak is exact, however short, and costs
two small file accesses per call and no thread. Where that is refused (another kernel, a
sandbox) a background thread samples the resident set (``/proc/self/statm``) every ten
milliseconds. Without ``/proc`` (macOS, Windows) the host's memory is not measured (the fields
stay empty). Where a network trains on a GPU, torch's or TensorFlow's own peak allocation on it
is what bounds the model, and is measured instead (the ``memory`` field says which).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

PROC = Path("/proc/self")
SAMPLE_SECONDS = 0.01
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int | None:
    try:
        return int((PROC / "statm").read_bytes().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return None


def _high_water_mark() -> int | None:
    try:
        for line in (PROC / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _reset_high_water_mark() -> bool:
    try:
        (PROC / "clear_refs").write_text("5")
    except OSError:
        return False
    return True


class _Sampler(threading.Thread):
    """The largest resident set seen since :meth:`restart`, where the kernel's mark is not resettable."""

    def __init__(self):
        super().__init__(name="fashionclasstic-memory", daemon=True)
        self.peak, self.stopped = 0, threading.Event()

    def restart(self, now: int) -> None:
        self.peak = now

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, resident_bytes() or 0)


def _torch_cuda():
    torch = sys.modules.get("torch")
    try:
        return torch.cuda if torch is not None and torch.cuda.is_initialized() else None
    except Exception:  # noqa: BLE001 - a broken CUDA set-up means: not on a GPU
        return None


def _tensorflow_gpu() -> str | None:
    tf = sys.modules.get("tensorflow")
    try:
        return "GPU:0" if tf is not None and tf.config.list_logical_devices("GPU") else None
    except Exception:  # noqa: BLE001
        return None


class PeakMemory:
    """Measures what runs between each :meth:`start` and :meth:`stop` (called outside the timed
    code); :attr:`peak` is the largest of those peaks (bytes above what the process held at the
    start) and :attr:`kind` what was measured."""

    def __init__(self):
        self.peak: int | None = None
        self.kind = ""
        self._sampler: _Sampler | None = None
        self._started: tuple[int | None, int | None, bool] = (None, None, False)

    def __enter__(self) -> PeakMemory:
        return self

    def __exit__(self, *exc) -> None:
        if self._sampler is not None:
            self._sampler.stopped.set()
            self._sampler.join()

    def start(self) -> None:
        gpu = _torch_cuda()
        if gpu is not None:
            gpu.reset_peak_memory_stats()
        device = _tensorflow_gpu()
        if device is not None:
            sys.modules["tensorflow"].config.experimental.reset_memory_stats(device)
        gpu_before = (gpu.memory_allocated() if gpu is not None else
                      sys.modules["tensorflow"].config.experimental.get_memory_info(device)["current"]
                      if device is not None else None)
        before = resident_bytes()
        exact = _reset_high_water_mark()
        if not exact and before is not None:
            if self._sampler is None:
                self._sampler = _Sampler()
                self._sampler.start()
            self._sampler.restart(before)
        self._started = (before, gpu_before, exact)

    def stop(self) -> None:
        before, gpu_before, exact = self._started
        gpu, device = _torch_cuda(), _tensorflow_gpu()
        if gpu is not None:  # a CUDA context made during the call: all of it was the call's
            self._keep(gpu.max_memory_allocated() - (gpu_before or 0), "GPU (torch, peak allocated)")
        elif device is not None:
            peak = sys.modules["tensorflow"].config.experimental.get_memory_info(device)["peak"]
            self._keep(peak - (gpu_before or 0), "GPU (TensorFlow, peak allocated)")
        elif before is not None:
            top = _high_water_mark() if exact else max(self._sampler.peak, resident_bytes() or 0)
            if top is not None:
                self._keep(top - before, "resident" if exact else f"resident, sampled every {SAMPLE_SECONDS:g} s")

    def _keep(self, peak: int, kind: str) -> None:
        self.peak = max(self.peak or 0, max(peak, 0))
        self.kind = kind
