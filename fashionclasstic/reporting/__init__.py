"""Reporting: the comparison table, result files, figures and run-to-run comparison."""
