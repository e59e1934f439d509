"""One run's report, published to MLflow: a parent run for the pytest session, a nested run per model.

Written from the records the suite already has (no second measurement), through MLflow's
documented client API (:class:`mlflow.MlflowClient`), so any tracking URI works alike: the
embedded SQLite store the suite defaults to, a team's tracking server, Databricks. A model's
run carries its hyper-parameters as params, every numeric field of its record as a metric,
its per-epoch curves as stepped metrics, its report folder (confusion matrix, curves) as
artifacts, and its status as the run's status; the parent carries what the run was (commit,
profile, seed, machine) as tags and ``results.json`` and ``index.html`` as artifacts.

A store that cannot be opened or written raises :class:`TrackingError` with one line: the
run's own results are written before and are never touched.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import re
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from fashionclasstic.errors import ConfigError, FashionClassticError
from fashionclasstic.records import EXIT_STATUS, CaseRecord, RunInfo
from fashionclasstic.reporting.formatting import by_accuracy

DEFAULT_URI = "sqlite:///.fashionclasstic/mlflow.db"
DEFAULT_EXPERIMENT = "fashionclasstic"
INSTALL_HINT = 'pip install "fashionclasstic[mlflow]"'
# What the SQLite store needs beyond mlflow-skinny (the full mlflow package has them too)
SQL_STORE_MODULES = ("sqlalchemy", "alembic")
ARTIFACTS_DIR = "mlartifacts"  # beside a local database: the store's files stay in one folder

# A model's status as its MLflow run's: MLflow knows FINISHED, FAILED and KILLED; the reason is a tag.
RUN_STATUS = {"passed": "FINISHED", "measured": "FINISHED", "skipped": "FINISHED", "failed": "FAILED",
              "error": "FAILED", "crashed": "FAILED", "interrupted": "KILLED", "not run": "KILLED"}
INTERRUPTED_EXIT = 2
PARENT_ARTIFACTS = ("results.json", "index.html", "results.md", "results.csv", "accuracy_vs_time.png")
# The record's settings of a case, logged as params beside the model's hyper-parameters
CASE_PARAMS = ("profile", "seed", "threads", "n_train", "n_validation", "n_test", "pretrained", "precision",
               "evaluated_seed")
MAX_PARAM, MAX_TAG = 6000, 8000  # MLflow's value limits (mlflow.utils.validation)


class TrackingError(FashionClassticError):
    """The tracking store could not be opened or written (the run's own results are kept)."""


@dataclass
class Logged:
    """Where a run went: its experiment, the parent run and each model's nested run."""

    uri: str
    experiment_id: str
    parent_run_id: str
    model_run_ids: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- checks at configure time


def tracking_uri(value: str | None) -> str | None:
    """The URI ``--fc-mlflow`` (or ini ``fc_mlflow``) names; ``None``: off. A bare word that is
    no URI is refused: ``pytest --fc-mlflow benchmarks/`` would otherwise take the tests' path."""
    if value is None:
        return None
    value = value.strip()
    if value.lower() in ("", "0", "false", "no", "off"):
        return None
    if value.lower() in ("1", "true", "yes", "on", "default"):
        return DEFAULT_URI
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) and value != "databricks":
        raise ConfigError(f"--fc-mlflow {value}: not a tracking URI (sqlite:///path/mlflow.db, http://host:5000, "
                          f"databricks); give it as --fc-mlflow=URI, or put --fc-mlflow after the test paths")
    return value


def check_available(uri: str) -> None:
    """Refuse ``--fc-mlflow`` at configure time, in one line, when MLflow (or what its SQLite
    store needs) is not installed."""
    needed = ("mlflow", *(SQL_STORE_MODULES if uri.startswith("sqlite:") else ()))
    missing = [name for name in needed if not _importable(name)]
    if missing:
        raise ConfigError(f"--fc-mlflow needs {', '.join(missing)}, not installed here: {INSTALL_HINT}")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


# --------------------------------------------------------------------------- what is logged


def run_status(exit_status: int | None, complete: bool = True) -> str:
    """The parent run's status: the session's (an interrupted or unfinished session is KILLED)."""
    if exit_status == 0:
        return "FINISHED"
    if exit_status == INTERRUPTED_EXIT or exit_status is None or not complete:
        return "KILLED"
    return "FAILED"


def _text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _clean(items: dict[str, Any], limit: int) -> dict[str, str]:
    """Keys MLflow accepts, values as text within its limit; empty values left out."""
    cleaned = {}
    for key, value in items.items():
        if value is None or value == "" or value == {} or value == []:
            continue
        cleaned[re.sub(r"[^\w\-. /:]", "_", str(key))[:250]] = _text(value, limit)
    return cleaned


def _millis(timestamp: str) -> int | None:
    try:
        return int(datetime.fromisoformat(timestamp).timestamp() * 1000)
    except (TypeError, ValueError):
        return None


def run_tags(info: RunInfo) -> dict[str, str]:
    """What a session was: commit, profile, seed, machine, versions (the parent run's tags)."""
    machine, git, suite = info.machine, info.git, info.suite
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    commit = git.get("commit") if git.get("commit") not in (None, "unversioned", "unknown") else None
    tags = {
        "run.id": info.id, "profile": info.profile, "seed": info.seed, "repeats": info.repeats,
        "commit": commit, "branch": git.get("branch"), "dirty": git.get("dirty") if commit else None,
        "mlflow.source.git.commit": commit,
        "suite.version": suite.get("version"), "suite.commit": suite.get("commit"),
        "exit_status": info.exit_status,
        "status": None if info.exit_status is None else EXIT_STATUS.get(info.exit_status, "unknown"),
        "complete": info.complete,
        "machine.fingerprint": machine.get("fingerprint"), "machine.cpu": cpu.get("brand_raw") or info.processor,
        "machine.cores": machine.get("cpu_count"), "machine.isa": machine.get("isa"),
        "machine.native_bf16": machine.get("native_bf16"), "machine.platform": machine.get("platform"),
        "machine.node": machine.get("node"), "data.source": info.data.get("source"),
        "pytest_args": " ".join(info.pytest_args),
        **{f"version.{name}": version for name, version in info.versions.items()},
    }
    if info.shard:
        tags["shard"] = f"{info.shard.get('k')}/{info.shard.get('n')}"
    if info.merged:
        tags["merged.shards"] = len(info.merged.get("shards") or [])
        tags["merged.missing"] = ", ".join(map(str, info.merged.get("missing") or []))
    if run_status(info.exit_status, info.complete) != "FINISHED":
        tags["reason"] = tags["status"] or "the session did not end"
    return _clean(tags, MAX_TAG)


def model_tags(record: CaseRecord, parent_run_id: str) -> dict[str, str]:
    machine = record.machine or {}
    return _clean({
        "mlflow.parentRunId": parent_run_id, "mlflow.note.content": record.description,
        "model": record.model, "family": record.family, "framework": record.framework, "profile": record.profile,
        "status": record.status, "reason": record.reason, "gate": record.gate, "notes": record.notes,
        "timing": record.timing, "timing_suspect": record.timing_suspect, "memory": record.memory,
        "worker": record.worker,
        "machine.fingerprint": machine.get("fingerprint"), "machine.cpu": machine.get("cpu"),
        "machine.node": machine.get("node"),
        **{f"node_id.{phase}": node_id for phase, node_id in record.node_ids.items()},
    }, MAX_TAG)


def model_params(record: CaseRecord) -> dict[str, str]:
    """The model's hyper-parameters, and the case's settings (seed, threads, sizes)."""
    case = {name: getattr(record, name) for name in CASE_PARAMS if hasattr(record, name)}
    return _clean({**case, **record.hyperparameters}, MAX_PARAM)


def model_metrics(record: CaseRecord) -> dict[str, float]:
    """Every number of the record the tables format as one (accuracy, macro-F1, the gate's
    minimum and margin, seconds, bytes, ...): a new metric field is logged without a change
    here; the gate itself as ``gate_passed`` (1 or 0)."""
    record.derive()
    values = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.metadata.get("fmt") and isinstance(value, (int, float)) and not isinstance(value, bool):
            values[f.name] = float(value)
    if record.gate in ("pass", "FAIL"):
        values["gate_passed"] = 1.0 if record.gate == "pass" else 0.0
    return values


def curve_metrics(record: CaseRecord) -> dict[str, list[float]]:
    """The per-epoch (or per-round) curves as stepped metrics, ``history/<name>``; step 1 is
    the first epoch, as in ``history.csv`` and the learning-curves figure."""
    return {f"history/{name}": [float(v) for v in values if isinstance(v, (int, float))]
            for name, values in record.history.items() if values}


def model_folders_of(records: list[CaseRecord]) -> dict[str, str]:
    """Each model's folder under ``models/`` in the report, as the report names them."""
    from fashionclasstic.reporting.publishers import model_folders

    return model_folders([record.model for record in by_accuracy(records)])


# --------------------------------------------------------------------------- logging


@contextlib.contextmanager
def _quiet():
    """MLflow and alembic announce creating and migrating the database on INFO, and MLflow's
    store uses SQLAlchemy features SQLAlchemy deprecates: neither is the run's news."""
    loggers = [logging.getLogger(name) for name in ("mlflow", "alembic")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0][:300]}" if lines else type(exc).__name__


def _sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (relative to the working folder), else None."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri.removeprefix("sqlite:///").split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def log_run(records: Iterable[CaseRecord], info: RunInfo, report_dir: Path | None = None,
            uri: str = DEFAULT_URI, experiment: str = DEFAULT_EXPERIMENT) -> Logged:
    """Log one run (a session, a saved run, a merged run) as a parent run with one nested run
    per model; ``report_dir``: the run's folder, whose files become artifacts (None: none)."""
    records = list(records)
    try:
        with _quiet():
            from mlflow import MlflowClient
    except ImportError as exc:
        raise TrackingError(f"MLflow is not installed ({_first_line(exc)}): {INSTALL_HINT}") from None
    database = _sqlite_path(uri)
    parent_id = None
    try:
        with _quiet():
            if database is not None:
                database.parent.mkdir(parents=True, exist_ok=True)
            client = MlflowClient(tracking_uri=uri)
            experiment_id = _experiment(client, experiment, database)
            parent = client.create_run(experiment_id, start_time=_millis(info.started), tags=run_tags(info),
                                       run_name=f"{info.id or 'run'} ({info.profile or '?'})")
            parent_id = parent.info.run_id
            logged = Logged(uri, experiment_id, parent_id)
            _log_values(client, parent_id, params=_clean({
                "profile": info.profile, "seed": info.seed, "repeats": info.repeats,
                "threads_per_worker": info.threads_per_worker, "xdist_workers": info.xdist_workers}, MAX_PARAM),
                metrics={"duration_seconds": info.duration_seconds} if info.duration_seconds is not None else {})
            folders = model_folders_of(records)
            for record in by_accuracy(records):
                folder = report_dir / "models" / folders[record.model] if report_dir else None
                logged.model_run_ids[record.model] = _log_model(client, experiment_id, parent_id, record, folder)
            if report_dir is not None:
                for name in PARENT_ARTIFACTS:
                    if (report_dir / name).is_file():
                        client.log_artifact(parent_id, str(report_dir / name))
            client.set_terminated(parent_id, run_status(info.exit_status, info.complete),
                                  end_time=_millis(info.finished))
            return logged
    except Exception as exc:  # noqa: BLE001 - any store's failure (SQL, HTTP, file): one line, results kept
        if parent_id is not None:
            with contextlib.suppress(Exception):
                client.set_terminated(parent_id, "FAILED")
        raise TrackingError(f"MLflow tracking store {uri}: {_first_line(exc)}") from None


def _experiment(client, name: str, database: Path | None) -> str:
    """The experiment's id, created on first use; beside a local database its artifacts go to
    ``mlartifacts/`` next to the file (else MLflow's default, relative to the working folder)."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = (database.parent / ARTIFACTS_DIR).resolve().as_uri() if database is not None else None
    return client.create_experiment(name, artifact_location=location)


def _log_values(client, run_id: str, params: dict[str, str] | None = None, metrics: dict[str, float] | None = None,
                steps: dict[str, list[float]] | None = None) -> None:
    from mlflow.entities import Metric, Param

    now = int(time.time() * 1000)
    logged = [Metric(key, value, now, 0) for key, value in (metrics or {}).items()]
    logged += [Metric(key, value, now, step) for key, values in (steps or {}).items()
               for step, value in enumerate(values, start=1)]
    client.log_batch(run_id, metrics=logged, params=[Param(k, v) for k, v in (params or {}).items()])


def _log_model(client, experiment_id: str, parent_id: str, record: CaseRecord, folder: Path | None) -> str:
    run = client.create_run(experiment_id, tags=model_tags(record, parent_id), run_name=record.model)
    run_id = run.info.run_id
    _log_values(client, run_id, model_params(record), model_metrics(record), curve_metrics(record))
    if folder is not None and folder.is_dir():
        client.log_artifacts(run_id, str(folder))
    client.set_terminated(run_id, RUN_STATUS.get(record.status, "FAILED"))
    return run_id
