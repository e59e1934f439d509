"""HOG descriptors and an RBF support vector machine: the classic computer-vision pipeline.

Zalando's benchmark lists HOG + SVM among its strongest classic entries. The descriptor (``features.HOGDescriptor``:
4x4- and 7x7-pixel cells, 2x2-cell blocks, 9 interpolated orientations, plus the raw pixels;
2,404 numbers) is projected onto its leading 200 principal components before the SVM, which
keeps the kernel evaluations cheap enough for the full 60,000 images on two cores. The second
cell size, the interpolated votes and the pixels each add accuracy (README, "How the settings
were chosen").
"""

from fashionclasstic.models.base import SklearnClassifier
from fashionclasstic.models.registry import register_model


@register_model("hog_svm", family="kernel", framework="scikit-learn", requires=("sklearn",),
                params={"orientations": 9, "cells": (4, 7), "block": 2, "pixels": 1.0, "components": 200, "C": 10.0},
                profiles={"smoke": {}, "full": {}}, tiny={"components": 20},
                expected_seconds={"smoke": (4.6, 6.9), "full": (63.5, 11.3)})
def hog_svm(params, context):
    """HOG (+ pixels) -> PCA -> RBF-kernel SVC."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from fashionclasstic.models.features import HOGDescriptor

    return SklearnClassifier(estimator=make_pipeline(
        HOGDescriptor(orientations=params["orientations"], cells=params["cells"], block=params["block"],
                      pixels=params["pixels"]),
        PCA(n_components=params["components"], svd_solver="randomized", random_state=context.seed),
        SVC(C=params["C"], kernel="rbf", gamma="scale", cache_size=2000, random_state=context.seed)),
        predict_threads=context.cores)
