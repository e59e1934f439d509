"""What the package index lists, held against what the package metadata declares.

    python .ci/versions.py newest NAME...     the newest release of each package, as JSON
    python .ci/versions.py oldest [EXTRAS]    constraints pinning every requirement of the metadata
                                              (with EXTRAS, default all,dev) to the oldest release it
                                              admits: the "oldest" leg of the version matrix

The index is asked through pip (``pip index versions``), so pip's configuration (index URL,
extra indexes, find-links) is the one used for installing. Exit 3: the index did not answer.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
INDEX_UNREACHABLE = 3


class IndexUnreachable(RuntimeError):
    """pip could not list a package's releases (no network, or no such package)."""


def listed_versions(name: str, timeout: float = 60) -> list[Version]:
    """Every final release of ``name`` the index lists for this interpreter, newest first."""
    command = [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"]
    try:
        result = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=timeout)
        if result.returncode == 0:
            versions = json.loads(result.stdout)["versions"]
        elif "--json" not in result.stderr:
            raise IndexUnreachable(f"pip index versions {name}: {last_line(result.stderr)}")
        else:  # a pip older than 25.1 has no --json: read its "Available versions:" line
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
            line = re.search(r"^Available versions: (.*)$", result.stdout, flags=re.M)
            if result.returncode != 0 or not line:
                raise IndexUnreachable(f"pip index versions {name}: {last_line(result.stderr)}")
            versions = line.group(1).split(", ")
    except subprocess.TimeoutExpired as error:
        raise IndexUnreachable(f"pip index versions {name}: no answer in {timeout:.0f} s") from error
    return sorted((Version(v) for v in versions if not Version(v).is_prerelease), reverse=True)


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("WARNING:")]
    return lines[-1].strip() if lines else "no message"


def requirements(extras: tuple[str, ...] = ("all", "dev"), pyproject: Path = PYPROJECT) -> list[Requirement]:
    """The metadata's requirements: the dependencies and those of ``extras``, self-references unfolded."""
    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    found, seen, todo = [], set(), list(extras)
    for text in project.get("dependencies", []):
        found.append(Requirement(text))
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in optional.get(extra, []):
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
                todo.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def oldest_constraints(extras: tuple[str, ...]) -> list[str]:
    """``name==version``: for each package, the oldest listed release that every requirement
    naming it admits."""
    specifiers: dict[str, SpecifierSet] = {}
    for requirement in requirements(extras):
        if requirement.marker is None or requirement.marker.evaluate():
            name = canonicalize_name(requirement.name)
            specifiers[name] = specifiers.get(name, SpecifierSet()) & requirement.specifier
    pins = []
    for name, specifier in specifiers.items():
        admitted = [v for v in listed_versions(name) if specifier.contains(v)]
        if not admitted:
            raise SystemExit(f"no release of {name} on the index admits {specifier}")
        pins.append(f"{name}=={min(admitted)}")
    return pins


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("newest", "oldest"):
        print("usage: python .ci/versions.py newest NAME... | oldest [EXTRA,EXTRA]", file=sys.stderr)
        return 2
    try:
        if argv[0] == "newest":
            print(json.dumps({name: str(listed_versions(name)[0]) for name in argv[1:]}))
        else:
            extras = tuple(argv[1].split(",")) if len(argv) > 1 else ("all", "dev")
            print("\n".join(oldest_constraints(extras)))
    except IndexUnreachable as error:
        print(f"the package index did not answer: {error}", file=sys.stderr)
        return INDEX_UNREACHABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
