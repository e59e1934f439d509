"""The kernel SVMs predict on every core they are given: libsvm predicts on one thread, so the
rows are split over threads (it releases the GIL), and the labels stay the same."""

import numpy as np
import pytest

from fashionclasstic.models import ModelContext, create_model


@pytest.mark.parametrize("name", ["svm", "hog_svm"])
def test_a_kernel_svm_predicts_over_its_threads_with_the_labels_of_one(name):
    rng = np.random.default_rng(0)
    labels = np.arange(301) % 10  # an odd count: the chunks differ in length
    images = rng.random((301, 28, 28), dtype=np.float32) * 0.3
    for label in range(10):  # each class lights its own rows
        images[labels == label, 2 * label:2 * label + 3] += 0.6
    model = create_model(name, ModelContext(seed=0, threads=2), "smoke")
    assert model.predict_threads == 2
    threaded = model.fit(images, labels).predict(images)
    model.predict_threads = 1
    assert np.array_equal(threaded, model.predict(images))
    assert (threaded == labels).mean() > 0.9
