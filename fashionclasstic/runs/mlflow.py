"""``python -m fashionclasstic mlflow``: saved runs logged to MLflow after the fact, each as
:mod:`fashionclasstic.reporting.mlflow_sink` logs a run live (a merged run too)."""

from __future__ import annotations

from pathlib import Path

from fashionclasstic.records import CaseRecord, RunInfo
from fashionclasstic.reporting.mlflow_sink import DEFAULT_EXPERIMENT, DEFAULT_URI, Logged, log_run
from fashionclasstic.runs import saved


def log_saved_runs(specs: list[str], uri: str = DEFAULT_URI, experiment: str = DEFAULT_EXPERIMENT,
                   runs_dir: Path | None = None, storage: Path | None = None) -> list[tuple[str, Logged]]:
    """Log saved runs (a results.json, run folder or id, ``latest``, a merged run, a
    pytest-benchmark JSON): each as it would have been logged live."""
    # every run found before anything is logged: a typo logs nothing
    located = [(spec, saved.resolve_run(spec, runs_dir or saved.RUNS_DIR, storage or saved.BENCHMARK_DIR))
               for spec in specs]
    return [(spec, log_run(*saved_run(path), uri, experiment)) for spec, path in located]


def saved_run(path: Path) -> tuple[list[CaseRecord], RunInfo, Path | None]:
    """A results.json's records and run information, with its folder's files; a pytest-benchmark
    file's records with what its run information says (no files)."""
    data = saved.read_json(path)
    if isinstance(data, dict) and data.get("schema") == saved.RESULTS_SCHEMA:
        records, info = saved.saved_results(path)
        return records, info, path.parent
    run = saved.read_run(path)
    info = saved.benchmark_run_info(data)
    info.id, info.exit_status, info.complete = run.label, 0, True
    info.finished, info.profile = info.started, ", ".join(sorted(run.profiles))
    info.machine.setdefault("fingerprint", run.fingerprint)
    return list(run.models.values()), info, None
