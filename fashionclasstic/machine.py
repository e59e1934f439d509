"""This machine: what a run ran on, and what makes two runs' times comparable.

The machine dict is pytest-benchmark's machine information (the same it stores in its JSON)
completed with the logical cores, the memory and what the CPU computes natively
(:mod:`fashionclasstic.hardware`). It is taken once per process, so each xdist worker (with
``--tx ssh=...`` a remote host) describes its own machine, not the controller's. From it come
the fingerprint (two runs' times are compared only on one fingerprint), the CPU's name and
what each record keeps of its machine. The run header, the plugin, ``merge``, ``compare`` and
``trends`` all read machines through here.

A leaf module: the standard library and :mod:`fashionclasstic.hardware` only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import platform
from collections.abc import Callable
from typing import Any

from fashionclasstic.hardware import capabilities

_taken: dict[str, Any] | None = None  # this process's machine, once taken


@functools.cache
def memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as lines:
            for line in lines:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def completed(info: dict[str, Any]) -> dict[str, Any]:
    """pytest-benchmark's machine information with what makes times comparable added: the
    platform, logical cores, memory, vector ISA and native bf16."""
    return {**info, "platform": platform.platform(), "cpu_count": os.cpu_count(), "memory_bytes": memory_bytes(),
            **capabilities().as_machine_info()}


def this_machine(base: Callable[[], dict[str, Any] | None] | None = None) -> dict[str, Any]:
    """The machine dict of this process, taken on the first call: ``base()`` (pytest-benchmark's
    machine information, asked through its hook so that a conftest's override counts) or, without
    it, what :mod:`platform` says, :func:`completed`."""
    global _taken
    if _taken is None:
        info = base() if base is not None else None
        if info is None:
            info = {"node": platform.node(), "processor": platform.processor(), "machine": platform.machine(),
                    "system": platform.system(), "release": platform.release()}
        _taken = completed(dict(info))
    return _taken


def cpu_name(machine: dict[str, Any]) -> str | None:
    """The CPU's name in a machine dict (py-cpuinfo's, else platform's)."""
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    return cpu.get("brand_raw") or machine.get("processor") or None


def _cores(machine: dict[str, Any]) -> int | None:
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    return machine.get("cpu_count") or cpu.get("count")


def fingerprint(machine: dict[str, Any], threads: int | None) -> str:
    """A stable hash of what makes times comparable: CPU model, logical cores, memory class
    (GiB, rounded to a power of two), OS and architecture, the threads a model used, and the
    vector ISA and native bf16 the frameworks could use (an AVX-512 CPU capped to AVX2 is
    another machine)."""
    memory = machine.get("memory_bytes")
    identity = {"cpu": cpu_name(machine), "cores": _cores(machine),
                "memory_gib": 2 ** round(math.log2(memory / 2**30)) if memory else None,
                "system": machine.get("system"), "arch": machine.get("machine"), "threads": threads,
                "isa": machine.get("isa"), "native_bf16": machine.get("native_bf16")}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def with_fingerprint(machine: dict[str, Any], threads: int | None) -> dict[str, Any]:
    """The machine dict a run keeps (``results.json``'s ``run.machine``, pytest-benchmark's
    ``machine_info``): the dict and its fingerprint."""
    return {**machine, "fingerprint": fingerprint(machine, threads)}


def record_machine(machine: dict[str, Any], threads: int | None) -> dict[str, Any]:
    """What a record keeps of the machine it ran on."""
    return {"fingerprint": fingerprint(machine, threads), "cpu": cpu_name(machine), "cores": _cores(machine),
            "threads": threads, "node": machine.get("node")}


def record_fingerprint(record, run_fingerprint: str = "") -> str:
    """The machine a model's times belong to: its record's own, else its run's (records before
    the machine was kept per record)."""
    return str((record.machine or {}).get("fingerprint") or run_fingerprint or "")
