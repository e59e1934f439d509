"""The kernel SVMs predict on every core they are given: libsvm predicts on one thread, so the
rows are split over threads (it releases the GIL), and the labels stay the same."""

import numpy as np
import pytest

from fashionclasstic.models import ModelContext, create_model
from tests.conftest import striped_images


@pytest.mark.parametrize("name", ["svm", "hog_svm"])
def test_a_kernel_svm_predicts_over_its_threads_with_the_labels_of_one(name):
    images, labels = striped_images(301, noise=0.3, stripe=0.6)  # an odd count: the chunks differ in length
    model = create_model(name, ModelContext(seed=0, threads=2), "smoke")
    assert model.predict_threads == 2
    threaded = model.fit(images, labels).predict(images)
    model.predict_threads = 1
    assert np.array_equal(threaded, model.predict(images))
    assert (threaded == labels).mean() > 0.9
