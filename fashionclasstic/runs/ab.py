"""A/B runs: two revisions of a repository benchmarked on this machine, interleaved, and judged.

Times are comparable only on one machine, and a hosted CI runner may be another CPU in every
job, so the timing gate that holds there runs both sides in the same job, as asv's
``continuous`` does. BASE is checked out into a temporary git worktree of the repository ``ab``
runs in; HEAD is the working tree as it is (or another revision, also checked out). Round ``i``
runs BASE, then HEAD, each as its own pytest session with seed ``seed + i``, so that a drift in
the machine's speed falls on both sides. Each side's rounds are combined into one ordinary run
(its repeats, every timing sample), saved beside the rounds, and the last side is judged against
the first with ``compare``'s rules.

When the repository is the suite's own checkout, each side imports the suite from its own tree
(``PYTHONPATH``), not the installed one; in a user's project both sides run the installed suite
on the project's models of each revision (``--fc-import`` paths resolve in each side's tree).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fashionclasstic.errors import ConfigError, FashionClassticError, RunStopped
from fashionclasstic.records import EXIT_STATUS, CaseRecord, RunInfo, new_run_id
from fashionclasstic.reporting.files import RESULTS_FILE
from fashionclasstic.reporting.publishers import write_report
from fashionclasstic.runs.compare import render
from fashionclasstic.runs.rules import parse_fail_on, print_verdicts, verdict_summary, violations
from fashionclasstic.runs.saved import read_run

AB_DIR = Path(".fashionclasstic/ab")
# The pytest options that would change what ab controls, and what: every other option goes to
# both sides' sessions as given (-p loads or blocks a plugin on both)
OWN_OPTIONS = {"--fc-seed": "the seed", "--fc-repeats": "the repeats", "-n": "xdist", "--numprocesses": "xdist",
               "--maxprocesses": "xdist", "-d": "xdist", "--dist": "xdist", "--tx": "xdist",
               "--fc-report-dir": "where results go", "--fc-no-report": "where results go",
               "--benchmark-json": "where results go", "--benchmark-disable": "where results go"}
# pytest's exit statuses of a session that could not run its cases (1, tests failed, did run them)
COLLECTION_FAILURES = {status: name for status, name in EXIT_STATUS.items() if status >= 2}


@dataclass
class Side:
    name: str  # "base" or "head"
    revision: str  # what the user named
    commit: str  # the commit checked out ("" for the working tree)
    tree: Path  # the root of the side's checkout

    @property
    def label(self) -> str:
        return f"{self.name} {self.commit[:10]}" if self.commit else f"{self.name} (working tree)"


def git(repo: Path, *args: str) -> str:
    """git's output; its error message as a :class:`ConfigError`."""
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"cannot run git ({exc}); ab needs git and a repository") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise ConfigError(f"git {' '.join(args[:2])} failed in {repo}: {message}")
    return done.stdout.strip()


def resolve_commit(repo: Path, revision: str) -> str:
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except ConfigError:
        raise ConfigError(f"{revision!r} is not a commit of {repo} (try a branch, tag or commit "
                          f"that `git log` shows)") from None


def check_pytest_options(options: list[str]) -> None:
    """Refuse, in one line, the options that would change what ab controls (the seed, the
    repeats, xdist, where results go); pass every other one through."""
    for option in options:
        name = option.split("=", 1)[0]
        if name.startswith("-n") and name[2:].isdigit():
            name = "-n"
        if name in OWN_OPTIONS:
            raise ConfigError(f"{name} is set by ab itself: it controls {OWN_OPTIONS[name]} ("
                              f"{', '.join(sorted(set(OWN_OPTIONS)))}: one serial session per side and round); "
                              f"use ab's --seed, --repeats and --out")


def pytest_command(tree: Path, options: list[str], seed: int, record: Path) -> tuple[list[str], dict]:
    """The pytest session of one side and round, and its environment. A round keeps only its
    pytest-benchmark JSON (every case's record and samples): the report is drawn once per side."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    own_suite = (tree / "fashionclasstic" / "__init__.py").is_file() and (tree / "benchmarks").is_dir()
    if own_suite:  # the suite's own checkout: this side's code, not the installed one
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), environment.get("PYTHONPATH")]))
        target = [str(tree / "benchmarks")]
    else:
        target = ["--pyargs", "fashionclasstic.benchmarks"]
    command = [sys.executable, "-m", "pytest", *target, "-p", "no:cacheprovider", "-q", f"--fc-seed={seed}",
               "--fc-repeats=1", "--fc-no-report", f"--benchmark-json={record}", *options]
    return command, environment


def run_side(side: Side, options: list[str], seed: int, record: Path, workdir: Path, echo) -> None:
    """One pytest session of one side; its log beside its record. A session that could not run
    its cases (a collection or usage error, no test) ends the A/B run (:class:`RunStopped`)."""
    command, environment = pytest_command(side.tree, options, seed, record)
    record.parent.mkdir(parents=True, exist_ok=True)
    log_path = record.with_suffix(".log")
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        status = subprocess.run(command, cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL).returncode
    echo(f"ab: {side.label}, seed {seed}: pytest exit {status} in {time.perf_counter() - started:.1f} s")
    if status in COLLECTION_FAILURES or not record.is_file():
        lines = [line for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        reason = next((line for line in reversed(lines) if "error" in line.lower()), lines[-1] if lines else "")
        raise RunStopped(f"the {side.label} side did not run its cases (pytest exit {status}, "
                          f"{COLLECTION_FAILURES.get(status, 'no results')}): {reason.strip()[:300]} (log: {log_path})")


def combine_rounds(round_files: list[Path], label: str, options: list[str]) -> tuple[list[CaseRecord], RunInfo]:
    """One side's rounds as one run: each round is one repeat of every model, with its samples.

    A session is one sample of each time: its training round, and the median of its inference
    rounds. Rounds within one process share its state (allocator, caches, clock), so pooled they
    read a shift of the process as significant, even between identical revisions."""
    combined: dict[str, CaseRecord] = {}
    runs = [read_run(path) for path in round_files]
    for run in runs:
        for record in run.models.values():
            record.repeats = [{"seed": record.seed, **record.repeat_scores()}]
            record.status = "passed" if record.accuracy is not None else "measured"
            record.inference_rounds = len(record.inference_samples)
            record.inference_samples = [statistics.median(record.inference_samples)] if record.inference_samples else []
            if record.model not in combined:
                combined[record.model] = record
                continue
            kept = combined[record.model]
            kept.repeats += record.repeats
            kept.train_samples += record.train_samples
            kept.inference_samples += record.inference_samples
            kept.inference_rounds += record.inference_rounds
    for record in combined.values():
        if record.inference_samples:
            record.inference_seconds = statistics.median(record.inference_samples)
        record.summarize_repeats()
    records = list(combined.values())
    info = RunInfo.from_dict(runs[0].info.to_dict())  # when, on which machine, at which commit
    info.id, info.complete, info.exit_status, info.repeats, info.pytest_args = (
        label, True, 0, len(round_files), list(options))
    info.profile = next((r.profile for r in records if r.profile), "")
    info.seed = min((r.seed for r in records), default=0)
    return records, info


def one_machine(sides_runs: list[tuple[list[CaseRecord], RunInfo]], sides: list[Side]) -> str:
    """Both sides ran on this machine, in this one job: their times are one machine's, whatever
    fingerprint each revision's code computed (its definition may have changed between them).
    Every run and record of both sides gets the last side's fingerprint (each side's own is kept
    as ``revision_fingerprint``), so that the comparison, and ``compare`` of the saved runs later,
    judge the times; the line returned says so."""
    computed = [info.machine.get("fingerprint") or "" for _, info in sides_runs]
    common = next((value for value in reversed(computed) if value), "") or "ab-one-machine"
    for (records, info), own in zip(sides_runs, computed, strict=True):
        info.machine = {**info.machine, "fingerprint": common, "revision_fingerprint": own}
        for record in records:
            machine = dict(record.machine or {})
            machine["revision_fingerprint"] = machine.get("fingerprint") or own
            record.machine = {**machine, "fingerprint": common}
    differ = "" if len(set(computed)) == 1 else (
        "; the revisions compute the fingerprint differently (" + ", ".join(
            f"{side.name} {value or 'none'}" for side, value in zip(sides, computed, strict=True)) + "), ab ran both")
    return f"ab: both sides ran on this machine in this job: their times are judged as one machine's{differ}"


def ab(base: str, head: str | None = None, fail_on: str | None = None, repeats: int = 5, seed: int = 0,
       options: list[str] | None = None, out: str | None = None, echo=print) -> int:
    """Run both sides interleaved, save each as a run, print the comparison; 1 when a
    ``fail_on`` rule breaks, 0 otherwise. Bad input is a :class:`ConfigError`, a side that could not
    run or an interruption a :class:`RunStopped` (both exit 2)."""
    options = list(options or [])
    rules = parse_fail_on(fail_on) if fail_on else []
    if repeats < 1:
        raise ConfigError(f"--repeats must be at least 1, got {repeats}")
    check_pytest_options(options)
    workdir = Path.cwd()
    try:
        repo = Path(git(workdir, "rev-parse", "--show-toplevel")).resolve()
    except ConfigError:
        raise ConfigError(f"{workdir} is not inside a git repository: ab checks BASE out of the repository "
                          f"it runs in (run it from your project's checkout)") from None
    inside = workdir.resolve().relative_to(repo)
    sides = [Side("base", base, resolve_commit(repo, base), repo)]
    sides.append(Side("head", head, resolve_commit(repo, head), repo) if head else Side("head", "", "", repo))
    target = Path(out) if out else AB_DIR / new_run_id()
    scratch = Path(tempfile.mkdtemp(prefix="fashionclasstic-ab-"))
    worktrees: list[Path] = []
    try:
        for side in sides:
            if side.commit:
                side.tree = scratch / side.name
                git(repo, "worktree", "add", "--detach", "--quiet", str(side.tree), side.commit)
                worktrees.append(side.tree)
        echo(f"ab: {repeats} round(s) of {sides[0].label} then {sides[1].label}, seeds {seed}..{seed + repeats - 1}; "
             f"runs saved under {target}")
        rounds: dict[str, list[Path]] = {side.name: [] for side in sides}
        for index in range(repeats):
            for side in sides:
                record = (target / "rounds" / f"{side.name}-{index + 1}.json").absolute()
                run_side(side, options, seed + index, record, side.tree / inside, echo)
                rounds[side.name].append(record)
        combined = [combine_rounds(rounds[side.name], side.label, options) for side in sides]
        echo(one_machine(combined, sides))
        runs = []
        for side, (records, info) in zip(sides, combined, strict=True):
            directory = write_report(records, info, target / side.name, results_only=True)  # figures: on demand
            run = read_run(directory / RESULTS_FILE)
            run.label = side.label
            runs.append(run)
    except KeyboardInterrupt:
        raise RunStopped("interrupted; the rounds that finished are under " + str(target)) from None
    finally:
        for tree in worktrees:
            try:
                git(repo, "worktree", "remove", "--force", str(tree))
            except FashionClassticError:
                pass
        shutil.rmtree(scratch, ignore_errors=True)
    echo(render(runs))
    echo(f"\nruns: {target / sides[0].name} and {target / sides[1].name} (python -m fashionclasstic compare reads "
         f"them; python -m fashionclasstic report draws their figures)")
    if not rules:
        return 0
    broken, notes = violations(runs, rules)
    return print_verdicts(broken, notes, echo, verdict_summary("ab", broken, sides[1].label, sides[0].label, fail_on))
