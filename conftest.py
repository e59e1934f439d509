"""Repository-level pytest configuration.

Installed, the suite's plugin is registered by the package's ``pytest11`` entry point. From a
checkout that was not installed (``python -m pytest`` in a fresh clone), load it from here, so
the benchmarks still find their fixtures and options; never both, which pytest would refuse.
"""

import importlib.metadata

if not any(ep.name == "fashionclasstic" for ep in importlib.metadata.entry_points(group="pytest11")):
    pytest_plugins = ["fashionclasstic.plugin"]
