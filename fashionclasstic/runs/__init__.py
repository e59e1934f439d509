"""Commands over saved runs: finding and reading them (:mod:`.saved`), the ``--fail-on`` rules
and their verdicts (:mod:`.rules`), ``compare``, ``trends``, ``merge``, ``ab``, ``report`` (a
saved run's report redrawn) and pytest-benchmark's JSON built from records
(:mod:`.benchmark_json`). One run's report is :mod:`fashionclasstic.reporting`'s."""
