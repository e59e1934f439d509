"""The benchmark cases, shipped with the package: ``pytest --pyargs fashionclasstic.benchmarks``
runs them from anywhere, with no checkout (the repository's ``benchmarks/`` imports them)."""
