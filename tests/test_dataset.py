import numpy as np
import pytest

from fashionclasstic.data import FashionMNIST, stratified_indices
from fashionclasstic.errors import ConfigError


def make_data(n_train=1000, n_test=300):
    rng = np.random.default_rng(0)
    return FashionMNIST.from_uint8({
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8)}, "synthetic")


def test_normalised_once_to_unit_float32():
    data = make_data()
    assert data.x_train.dtype == np.float32 and data.x_train.max() <= 1.0
    assert data.y_train.dtype == np.int64


def test_stratified_subsample_is_balanced_and_seeded():
    data = make_data()
    small = data.subsample(200, 50, seed=3)
    assert np.bincount(small.y_train).tolist() == [20] * 10
    assert np.bincount(small.y_test).tolist() == [5] * 10
    again = data.subsample(200, 50, seed=3)
    np.testing.assert_array_equal(small.x_train, again.x_train)
    other = data.subsample(200, 50, seed=4)
    assert not np.array_equal(small.x_train, other.x_train)


def test_uneven_sizes_keep_class_proportions():
    labels = np.array([0] * 70 + [1] * 30)
    chosen = stratified_indices(labels, 11, seed=0)
    assert len(chosen) == 11 and np.bincount(labels[chosen]).tolist() in ([8, 3], [7, 4])


def test_subsample_size_must_be_positive():
    with pytest.raises(ConfigError, match="positive size"):
        stratified_indices(np.zeros(10), 0, seed=0)


def test_validation_split_is_stratified_disjoint_and_memoised():
    data = make_data()
    x, y, validation = data.validation_split(0.1, seed=0)
    assert len(y) == 900 and len(validation.y) == 100
    assert np.bincount(validation.y).tolist() == [10] * 10
    rows = {row.tobytes() for row in x}
    assert not any(row.tobytes() in rows for row in validation.x)
    again = data.validation_split(0.1, seed=0)
    np.testing.assert_array_equal(again[2].y, validation.y)  # the same split, from the memo
    assert len(data._validation_splits) == 1
    other = data.validation_split(0.1, seed=1)[2].x
    assert {row.tobytes() for row in other} != {row.tobytes() for row in validation.x}  # the seed matters
