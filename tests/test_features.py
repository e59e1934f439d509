"""The tree models' image features: what each feature reads, and importances folded back to pixels."""

import numpy as np
import pytest

from fashionclasstic.models import ModelContext, create_model
from fashionclasstic.models.features import ImageFeatures
from tests.conftest import striped_images


def one_pixel(row, col, value=1.0):
    image = np.zeros((1, 28, 28), np.float32)
    image[0, row, col] = value
    return image


def test_feature_count_matches_the_receptive_fields():
    features = ImageFeatures()
    # 14x14 + 7x7 means, 28 row + 28 column profiles, (4x4 + 7x7 cells) x 8 orientations
    assert features.n_features == 196 + 49 + 56 + (16 + 49) * 8
    assert features.transform(np.zeros((3, 28, 28))).shape == (3, features.n_features)
    assert ImageFeatures(pixels=True).n_features == 784 + features.n_features


def test_means_and_profiles_read_the_pixels_of_their_window():
    values = ImageFeatures(hog_cells=()).transform(one_pixel(5, 9))[0]
    pool2, pool4, rows, cols = np.split(values, [196, 245, 273])
    assert np.flatnonzero(pool2).tolist() == [2 * 14 + 4] and pool2.max() == pytest.approx(0.25)
    assert np.flatnonzero(pool4).tolist() == [1 * 7 + 2] and pool4.max() == pytest.approx(1 / 16)
    assert np.flatnonzero(rows).tolist() == [5] and np.flatnonzero(cols).tolist() == [9]


def test_orientation_histograms_see_the_direction_of_an_edge():
    features = ImageFeatures(pool_sizes=(), profiles=False, hog_cells=(28,), orientations=4)
    vertical_edge = np.zeros((1, 28, 28), np.float32)
    vertical_edge[0, :, 14:] = 1.0  # brightness changes along x: gradient angle 0
    horizontal_edge = vertical_edge.transpose(0, 2, 1)  # along y: angle pi/2
    assert np.argmax(features.transform(vertical_edge)[0]) == 0
    assert np.argmax(features.transform(vertical_edge[:, :, ::-1])[0]) == 0  # unsigned: pi is 0
    assert np.argmax(features.transform(horizontal_edge)[0]) == 2


def test_chunks_do_not_change_the_features():
    images = np.random.default_rng(0).random((25, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(ImageFeatures(chunk=7).transform(images), ImageFeatures().transform(images),
                               rtol=1e-5, atol=1e-6)


def test_importances_fold_back_onto_the_pixels_each_feature_reads():
    features = ImageFeatures()
    importances = np.zeros(features.n_features)
    importances[0] = 1.0  # the mean of the top-left 2x2 window
    pixels = features.pixel_importances(importances).reshape(28, 28)
    assert pixels[:2, :2] == pytest.approx(np.full((2, 2), 0.25)) and pixels.sum() == pytest.approx(1.0)
    spread = features.pixel_importances(np.random.default_rng(1).random(features.n_features))
    assert spread.shape == (784,) and spread.min() > 0
    with pytest.raises(ValueError, match="expected 821 feature importances"):
        features.pixel_importances(np.ones(784))


def test_a_window_that_does_not_tile_the_image_is_refused():
    with pytest.raises(ValueError, match="does not divide"):
        ImageFeatures(pool_sizes=(3,))
    with pytest.raises(ValueError, match="does not divide"):  # also when set the scikit-learn way
        ImageFeatures().set_params(hog_cells=(5,)).transform(np.zeros((1, 28, 28)))


def test_scikit_learn_sees_the_parameters():
    from sklearn.base import clone

    features = clone(ImageFeatures(pool_sizes=(4,), orientations=6))
    assert features.get_params()["pool_sizes"] == (4,) and features.orientations == 6
    assert features.fit_transform(np.zeros((2, 28, 28))).shape == (2, features.n_features)


@pytest.mark.parametrize("name", ["random_forest", "xgboost"])
def test_tree_ensembles_report_importances_per_pixel(name):
    pytest.importorskip("xgboost") if name == "xgboost" else None
    images, labels = striped_images(200, noise=0.1, stripe=0.8)
    model = create_model(name, ModelContext(seed=0, threads=1), "smoke")
    model.fit(images, labels)
    assert (model.predict(images) == labels).mean() > 0.9
    importances = model.feature_importances().reshape(28, 28)
    assert importances.sum() == pytest.approx(1.0)
    assert importances[:21].sum() > importances[21:].sum()


def test_hog_descriptor_shape_orientation_and_block_norm():
    from fashionclasstic.models.features import HOGDescriptor

    image = np.zeros((1, 28, 28), np.float32)
    image[:, :, 14:] = 1.0  # a vertical edge: horizontal gradients, orientation 0 degrees
    hog = HOGDescriptor(cells=(4,), pixels=0.0).fit(None)
    features = hog.transform(image)
    assert features.shape == (1, 6 * 6 * 2 * 2 * 9)  # 6x6 blocks of 2x2 cells of 9 orientations
    blocks = features.reshape(6, 6, 4, 9)
    assert blocks[..., [0, 8]].sum() > 0.99 * blocks.sum()  # the bins either side of 0 (= 180) degrees
    assert np.all(np.linalg.norm(features.reshape(-1, 36), axis=1) <= 1.0 + 1e-5)
    with_pixels = HOGDescriptor(pixels=0.5).fit(None).transform(image)  # 4x4 and 7x7 cells, then pixels
    assert with_pixels.shape == (1, 1296 + 3 * 3 * 36 + 784) and with_pixels[0, 1296 + 324 + 14] == 0.5
    with pytest.raises(ValueError, match="invalid HOG geometry"):
        HOGDescriptor(cells=(4, 5)).fit(None)


@pytest.mark.parametrize("cell", [4, 7])
def test_hog_descriptor_agrees_with_scikit_image_where_the_definitions_agree(cell):
    """With votes into one bin (scikit-image's definition; the suite interpolates between the two
    nearest bins by default) and no pixels appended, one cell size is ``skimage.feature.hog``."""
    feature = pytest.importorskip("skimage.feature")
    from fashionclasstic.models.contract import tiny_images
    from fashionclasstic.models.features import HOGDescriptor

    images = np.concatenate([tiny_images(4, seed=1)[0].reshape(-1, 28, 28),
                             np.random.default_rng(0).random((4, 28, 28))]).astype(np.float32)
    ours = HOGDescriptor(cells=(cell,), interpolate=False, pixels=0.0).fit(None).transform(images)
    theirs = np.stack([feature.hog(image, orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2),
                                   block_norm="L2-Hys", feature_vector=True) for image in images])
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    interpolated = HOGDescriptor(cells=(cell,), pixels=0.0).fit(None).transform(images)
    assert np.abs(interpolated - theirs).max() > 0.01  # the default is another definition


def test_pixel_forests_put_little_importance_on_the_border(official_data_dir):
    """The acceptance of the 'trees on pixels' change: under 8% on the 108 outermost pixels."""
    from fashionclasstic.data import load_fashion_mnist

    data = load_fashion_mnist(data_dir=official_data_dir).subsample(3000, 500, seed=0)
    model = create_model("random_forest", ModelContext(seed=0, threads=2), "smoke", n_estimators=20)
    importances = model.fit(data.x_train, data.y_train).feature_importances().reshape(28, 28)
    border = np.ones((28, 28), bool)
    border[1:-1, 1:-1] = False
    assert border.sum() == 108
    assert importances[border].sum() / importances.sum() < 0.08
