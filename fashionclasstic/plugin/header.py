"""The run header: what will run, on what, so that nobody is surprised by the cost or the
numbers (pytest's ``pytest_report_header``, printed before collection)."""

from __future__ import annotations

import pytest

from fashionclasstic.durations import NO_ESTIMATE, REGISTRY, expected_seconds
from fashionclasstic.hardware import capabilities
from fashionclasstic.plugin.machines import this_machine
from fashionclasstic.plugin.settings import Settings

# Where the registry's estimates come from, and how far another CPU was seen to stray from them.
REFERENCE_NOTE = ("registry estimates are from 2 cores of an AMD EPYC Zen 4 (AVX-512 BF16); 2 AVX2-only Zen 3 "
                  "cores took 1.6-2.75x as long")


def header_lines(config: pytest.Config, settings: Settings) -> list[str]:
    caps = capabilities()
    precision = "bfloat16 where it is faster (timed per model)" if caps.native_bf16 else "float32"
    lines = [f"fashionclasstic: profile {settings.profile.name}, {len(settings.models)} models, "
             f"seed {settings.seed}, repeats {settings.repeats}, {settings.threads_per_worker()} threads per worker",
             f"fashionclasstic: CPU vector ISA {caps.isa}; networks train in {precision}: {caps.reason}"]
    if settings.models:
        expected = expected_seconds(settings.models, settings.profile.name, settings.repeats,
                                    fingerprint=this_machine(config, settings).get("fingerprint"))
        note = f"; {REFERENCE_NOTE}" if REGISTRY in expected.origins.values() else ""
        if set(expected.origins.values()) == {NO_ESTIMATE}:
            lines.append("fashionclasstic: expected duration unknown (no saved run of this machine, no registry "
                         "estimate for these models)")
            return lines
        lines.append(f"fashionclasstic: expected about {duration_text(expected.total)} of training and inference "
                     f"(from {expected.source_text()}{note})")
    return lines


def duration_text(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
