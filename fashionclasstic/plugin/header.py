"""The run header: what will run, on what, so that nobody is surprised by the cost or the
numbers. Printed once the benchmark cases are collected (on the xdist controller, once the
workers say what they collected), and not at all in a session without any, such as the unit
tests. Every line fits the terminal, pytest-benchmark's and pytest's own header lines too."""

from __future__ import annotations

import pytest

from fashionclasstic.calibration import REFERENCE_MACHINE, machine_factor
from fashionclasstic.case_names import model_of_case, model_of_item
from fashionclasstic.hardware import capabilities
from fashionclasstic.machine import fingerprint
from fashionclasstic.plugin.environment import machine_info
from fashionclasstic.plugin.printer import fitted, terminal_width
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.shards import NO_ESTIMATE, REGISTRY, expected_seconds


class RunHeader:
    """The header as a plugin of the controller (or of a serial run)."""

    def __init__(self, config: pytest.Config, settings: Settings):
        self.config, self.settings, self.shown = config, settings, False

    @pytest.hookimpl(wrapper=True)
    def pytest_report_header(self, config: pytest.Config):
        """Every plugin's header lines (pytest-benchmark's defaults run to about 180 characters)
        wrapped to the terminal, as a hook wrapper of pytest's sees them all."""
        results = yield
        width = terminal_width(config)
        return [[part for line in ([lines] if isinstance(lines, str) else lines) for part in fitted(line, width)]
                for lines in results]

    def pytest_report_collectionfinish(self, config: pytest.Config, items: list[pytest.Item]) -> list[str] | None:
        models = [model for model in map(model_of_item, items) if model]
        if not models:
            return None
        self.shown = True
        return fitted_lines(config, header_lines(config, self.settings, list(dict.fromkeys(models))))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        models = [model for model in map(model_of_case, ids) if model in self.settings.models]
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if models and not self.shown and reporter is not None:
            self.shown = True
            lines = header_lines(self.config, self.settings, list(dict.fromkeys(models)))
            for line in fitted_lines(self.config, lines):
                reporter.write_line(line)


def fitted_lines(config: pytest.Config, lines: list[str]) -> list[str]:
    width = terminal_width(config)
    return [part for line in lines for part in fitted(line, width)]


def header_lines(config: pytest.Config, settings: Settings, models: list[str]) -> list[str]:
    caps = capabilities()
    precision = ("PyTorch networks train in bfloat16 where it is faster (timed per model), Keras networks in "
                 "float32" if caps.native_bf16 else "networks train in float32")
    lines = [f"fashionclasstic: profile {settings.profile.name}, {len(models)} models, "
             f"seed {settings.seed}, repeats {settings.repeats}, {settings.threads_per_worker()} threads per worker",
             f"fashionclasstic: CPU vector ISA {caps.isa}; {precision}: {caps.reason}"]
    if models:
        expected = expected_seconds(models, settings.profile.name, settings.repeats,
                                    fingerprint=fingerprint(machine_info(config), settings.threads_per_worker()),
                                    registry_scale=machine_factor, skip_reason=settings.skip_reason)
        note = ""
        if REGISTRY in expected.origins.values():  # no saved run of this machine for some: calibrated
            note = (f"; registry estimates are from {REFERENCE_MACHINE}, times "
                    f"{machine_factor():.2f} for this machine by a quick calibration "
                    f"(a hint: CPUs differ by model, and by kind of work)")
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
