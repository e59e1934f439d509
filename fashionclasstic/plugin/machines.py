"""The machine each record ran on, taken in the process that ran the case: an xdist worker
(with ``--tx ssh=...`` the remote host), not the controller. It goes into the record, so a
merged run or a parallel run still says, per model, which machine its times belong to."""

from __future__ import annotations

import os
import platform

import pytest

from fashionclasstic.plugin.environment import memory_bytes
from fashionclasstic.records import record_machine

machine_key = pytest.StashKey[dict]()


def this_machine(config: pytest.Config, settings) -> dict:
    """pytest-benchmark's machine information of this process (its hooks included, as in its
    JSON), reduced to what a record keeps; read once per process."""
    if machine_key not in config.stash:
        generate = getattr(config.hook, "pytest_benchmark_generate_machine_info", None)
        info = dict(generate(config=config)) if generate is not None else {"node": platform.node()}
        info.update(cpu_count=os.cpu_count(), memory_bytes=memory_bytes())
        update = getattr(config.hook, "pytest_benchmark_update_machine_info", None)
        if update is not None:
            update(config=config, machine_info=info)
        config.stash[machine_key] = record_machine(info, settings.threads_per_worker())
    return config.stash[machine_key]
