"""Hooks other plugins (or a ``conftest.py``) implement to extend the suite."""


def pytest_fashionclasstic_publishers(publishers: list) -> None:
    """Add report outputs: append :class:`fashionclasstic.reporting.publishers.Publisher`
    objects (run-level) or ``ModelPublisher`` objects (one file per model) to ``publishers``.
    Called once on the controller before the report is written."""


def pytest_fashionclasstic_record(record) -> None:
    """A model's :class:`fashionclasstic.records.CaseRecord`, complete, as the controller
    received it; for live dashboards or other stores. Must not modify it."""
