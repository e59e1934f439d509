"""``--fc-shard K/N``: this process runs shard K of N, whole models balanced by expected seconds.

The controller (or the serial session) reads the expected seconds once, at configure time,
and hands them to xdist workers, so every process splits the same numbers the same way. The
split is made after ``-k``/``-m`` deselection, over the models whose cases are still
collected, and deselects the other shards' cases; a shard left with no model passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fashionclasstic.case_names import model_of_case
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.shards import Expected, balanced_shards, expected_seconds

WORKER_INPUT = "fashionclasstic_expected_seconds"


@dataclass
class Plan:
    """This shard's models, filled once collection tells which models are selected."""

    index: int
    count: int
    expected: Expected  # every selected model's seconds, and their origin
    models: list[str] | None = None  # this shard's; None until collected
    loads: list[float] | None = None  # every shard's expected seconds (known where the split was made)
    selected: list[str] | None = None  # every shard's models (None: not known here, on the xdist controller)

    @property
    def selected_any(self) -> bool | None:
        """Did -k/-m/--fc-models leave any model at all (None: not known here)."""
        return None if self.selected is None else bool(self.selected)

    def info(self) -> dict:
        """``run.shard`` of ``results.json``."""
        mine = self.expected.subset(self.models or []) if self.models else self.expected
        return {"k": self.index, "n": self.count, "models": list(self.models or []),
                "expected_seconds": mine.seconds if self.models else {}, "durations": mine.source_text(),
                "selected": None if self.selected is None else sorted(self.selected)}

    def header(self) -> str:
        name = f"shard {self.index}/{self.count}"
        if not self.models:
            return f"{name} holds no model: the selected models all belong to other shards; nothing to run"
        mine = self.expected.subset(self.models)
        loads = "" if self.loads is None else (
            f" of {sum(self.loads):.0f} s over {self.count} shards ({' / '.join(f'{v:.0f}' for v in self.loads)})")
        return (f"{name}: {', '.join(self.models)}; expected {mine.total:.0f} s{loads}; "
                f"durations from {mine.source_text()}")


class ShardSelection:
    """The plugin object of a sharded run (serial, the xdist controller, or a worker)."""

    def __init__(self, config: pytest.Config, settings: Settings):
        self.config = config
        index, count = settings.shard
        given = getattr(config, "workerinput", {}).get(WORKER_INPUT)
        expected = (Expected.from_dict(given) if given is not None else
                    expected_seconds(settings.models, settings.profile.name, settings.repeats, settings.durations,
                                     skip_reason=settings.skip_reason))
        self.plan = Plan(index, count, expected)
        self.shown = False

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        node.workerinput[WORKER_INPUT] = self.plan.expected.to_dict()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """After ``-k``/``-m``: keep this shard's models' cases, deselect the others'."""
        plan = self.plan
        models = dict.fromkeys(model_of_case(item.nodeid) for item in items)
        collected = [m for m in models if m in plan.expected.seconds]
        plan.selected = sorted(collected)
        if not collected:
            plan.models = []
            return
        shards = balanced_shards(plan.expected.subset(collected).seconds, plan.count)
        plan.models = shards[plan.index - 1]
        plan.loads = [plan.expected.subset(shard).total for shard in shards]
        keep = set(plan.models)
        deselected = [item for item in items
                      if model_of_case(item.nodeid) is not None and model_of_case(item.nodeid) not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item not in set(deselected)]

    def pytest_report_collectionfinish(self, config: pytest.Config) -> str | None:
        if self.plan.selected_any is False:
            return None  # nothing selected at all: pytest's own "no tests ran" says it
        self.shown = True
        return self.plan.header()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        """On the xdist controller, which does not collect: the shard is what the workers kept."""
        found = [model for model in map(model_of_case, ids) if model in self.plan.expected.seconds]
        self.plan.models = sorted(set(found) | set(self.plan.models or []))
        if not self.shown and self.plan.models:
            self.shown = True
            self._write(self.plan.header())

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """A shard left with no model is a pass, not pytest's "no tests collected"."""
        if (not self.plan.models and self.plan.selected_any is not False
                and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED):
            if not self.shown:
                self._write(self.plan.header())
            session.exitstatus = pytest.ExitCode.OK

    def _write(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)


def shard_info(config: pytest.Config) -> dict:
    """``run.shard`` for ``results.json`` (empty when the run is not sharded)."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin.plan.info() if plugin is not None else {}


PLUGIN_NAME = "fashionclasstic-shard"
