"""The benchmark cases: for every registered model, a timed training case that gates the test
accuracy, then a timed inference case on the whole test set.

Ids read ``test_train[logreg]`` and ``test_inference[logreg]``, so ``-k logreg`` picks one model.
"""

import pytest


def test_train(fc_case, fc_benchmark):
    """Fit once (one pedantic round), then evaluate on the test set and gate the accuracy."""
    fc_benchmark.train()
    fc_case.evaluate()
    fc_benchmark.record_info()
    failure = fc_case.gate_failure()
    if failure:
        pytest.fail(failure, pytrace=False)


def test_inference(fc_case, fc_benchmark):
    """Predict the whole test set, over enough rounds for a stable median when it is cheap."""
    if not fc_case.trained:
        pytest.skip(f"{fc_case.spec.name} was not trained in this session (its test_train did not run or failed)")
    fc_benchmark.inference()
    fc_benchmark.record_info()
