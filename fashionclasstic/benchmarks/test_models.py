"""The benchmark cases: for every registered model, a timed training case that gates the test
accuracy, then a timed inference case on the whole test set.

Ids read ``test_train[logreg]`` and ``test_inference[logreg]``, so ``-k logreg`` picks one model.
"""

import shutil
import textwrap

import pytest


def test_train(fc_case, fc_benchmark):
    """Fit once per repeat (one pedantic round each, a fresh model per seed), evaluate each on
    the test set, and gate the mean accuracy."""
    fc_benchmark.train()
    fc_benchmark.record_info()
    failure = fc_case.gate_failure()
    if failure:
        # wrapped to the terminal, as the suite's own lines are; the record keeps it as one line
        pytest.fail(textwrap.fill(failure, shutil.get_terminal_size().columns, subsequent_indent="    "),
                    pytrace=False)


def test_inference(fc_case, fc_benchmark):
    """Predict the whole test set: one warm-up round, then enough rounds for a stable median;
    then close the model (its framework's memory freed before the next model)."""
    if not fc_case.trained:
        pytest.skip(f"{fc_case.spec.name} was not trained in this session (its test_train did not run or failed)")
    fc_benchmark.inference()
    fc_benchmark.record_info()
    fc_case.close()
