"""Sphinx configuration: MyST Markdown pages, the furo theme. Built in CI with warnings as errors:

    sphinx-build -W -b html docs docs/_build/html

The pages under reference/ and results/ are generated (python -m fashionclasstic.docs_pages);
tests/test_docs.py fails when a committed one differs from what the code gives.
"""

project = "FashionClasstic"
author = "The FashionClasstic authors"
copyright = "the FashionClasstic authors"  # noqa: A001 - Sphinx's name
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "results/runs"]
html_theme = "furo"
html_title = "FashionClasstic"
html_static_path: list[str] = []
