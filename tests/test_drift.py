"""What the code, its metadata and its documentation say must agree: every option the README
and the documentation's pages name exists (the options reference, generated from the plugin,
documents every one: tests/test_docs.py); every package the suite imports is declared."""

import ast
import importlib.metadata
import re
import sys
import tomllib

from fashionclasstic.docs_pages import declared_options
from tests.conftest import REPO


def test_the_readme_and_the_docs_name_only_options_the_plugin_has():
    declared = {name for names, _ in declared_options().options for name in names}
    for page in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        named = set(re.findall(r"--fc-[a-z][a-z-]*[a-z]", page.read_text()))
        assert named - declared == set(), f"{page.relative_to(REPO)} names options the plugin does not have"


def imported_top_level_modules() -> dict[str, str]:
    """Each third-party module the package imports (at any depth), with one file importing it."""
    found = {}
    for path in (REPO / "fashionclasstic").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("fashionclasstic", "__future__"):
                    found.setdefault(top, str(path.relative_to(REPO)))
    return found


def declared_distributions() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    requirements = [*project["dependencies"], *(r for extra in extras for r in extra)]
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_every_imported_package_is_declared_in_pyproject():
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    undeclared = {}
    for module, where in imported_top_level_modules().items():
        distributions = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        if not distributions & declared:
            undeclared[module] = (where, sorted(distributions) or "not installed here")
    assert undeclared == {}, "imported but not declared in pyproject.toml (dependencies or an extra)"
