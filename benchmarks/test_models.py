"""The suite's benchmark cases (``test_train[model]``, ``test_inference[model]``), defined in
the package so that ``pytest --pyargs fashionclasstic.benchmarks`` runs them without a checkout."""

from fashionclasstic.benchmarks import test_models as cases

# Assigned, not imported by name: pytest runs a module's tests in the order they appear here,
# and a model must train before its inference case.
test_train = cases.test_train
test_inference = cases.test_inference
