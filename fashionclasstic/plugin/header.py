"""The run header: what will run, on what, so that nobody is surprised by the cost or the
numbers (pytest's ``pytest_report_header``, printed before collection)."""

from __future__ import annotations

from fashionclasstic.hardware import capabilities
from fashionclasstic.plugin.settings import Settings


def header_lines(settings: Settings) -> list[str]:
    caps = capabilities()
    precision = "bfloat16 where it is faster (timed per model)" if caps.native_bf16 else "float32"
    return [f"fashionclasstic: profile {settings.profile.name}, {len(settings.models)} models, "
            f"seed {settings.seed}, repeats {settings.repeats}, {settings.threads_per_worker()} threads per worker",
            f"fashionclasstic: CPU vector ISA {caps.isa}; networks train in {precision}: {caps.reason}"]
