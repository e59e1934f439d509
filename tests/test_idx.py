import numpy as np
import pytest

from fashionclasstic.data.idx import parse_idx
from fashionclasstic.errors import DataError
from tests.conftest import idx_bytes


def test_parses_images_and_labels():
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    parsed = parse_idx(idx_bytes(images), "img", ndim=3, count=2, item_shape=(28, 28))
    assert parsed.dtype == np.uint8 and parsed.shape == (2, 28, 28)
    np.testing.assert_array_equal(parsed, images)
    labels = parse_idx(idx_bytes(np.array([3, 9, 0])), "lbl", ndim=1, count=3, max_value=9)
    assert labels.tolist() == [3, 9, 0]


def test_bad_magic_is_refused():
    raw = bytearray(idx_bytes(np.zeros((2, 28, 28))))
    raw[2] = 0x0D  # float instead of unsigned byte
    with pytest.raises(DataError, match="bad IDX magic number 0x00000d03"):
        parse_idx(bytes(raw), "img", ndim=3)


def test_labels_file_given_as_images_is_refused():
    with pytest.raises(DataError, match="bad IDX magic"):
        parse_idx(idx_bytes(np.zeros(5)), "img", ndim=3)


@pytest.mark.parametrize("cut", [1, 100, 28 * 28])
def test_truncated_file_is_refused(cut):
    raw = idx_bytes(np.zeros((3, 28, 28)))
    with pytest.raises(DataError, match="truncated"):
        parse_idx(raw[:-cut], "img", ndim=3)


def test_wrong_count_is_refused():
    with pytest.raises(DataError, match="holds 3 items, expected 60000"):
        parse_idx(idx_bytes(np.zeros((3, 28, 28))), "img", ndim=3, count=60000)


def test_wrong_item_shape_is_refused():
    with pytest.raises(DataError, match="items are 32x32, expected 28x28"):
        parse_idx(idx_bytes(np.zeros((1, 32, 32))), "img", ndim=3, item_shape=(28, 28))


def test_label_out_of_range_is_refused():
    with pytest.raises(DataError, match="value 12, above the allowed maximum 9"):
        parse_idx(idx_bytes(np.array([1, 12])), "lbl", ndim=1, max_value=9)
