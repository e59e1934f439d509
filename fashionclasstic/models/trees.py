"""A single decision tree and a random forest on the raw pixels (comparable with the notebook,
Zalando's benchmark and anyone's run), and the forest on the suite's image features.

All report importances per pixel: learned on features, they are folded back onto the 28x28
grid through the pixels each feature reads.
"""

from fashionclasstic.models.base import SklearnClassifier
from fashionclasstic.models.registry import register_model


@register_model("decision_tree", family="tree", framework="scikit-learn", requires=("sklearn",),
                params={"max_depth": 14, "min_samples_leaf": 4},
                profiles={"smoke": {"max_depth": 12, "min_samples_leaf": 2}, "full": {}}, tiny={"max_depth": 6},
                expected_seconds={"smoke": (1.7, 0.0), "full": (32.5, 0.1)})
def decision_tree(params, context):
    """A single CART tree, depth-limited: an unlimited tree overfits and scores lower."""
    from sklearn.tree import DecisionTreeClassifier

    return SklearnClassifier(estimator=DecisionTreeClassifier(random_state=context.seed, **params))


@register_model("random_forest", family="ensemble", framework="scikit-learn", requires=("sklearn",),
                params={"n_estimators": 100},
                profiles={"smoke": {"n_estimators": 50}, "full": {}}, tiny={"n_estimators": 5},
                expected_seconds={"smoke": (1.4, 0.2), "full": (59.3, 2.8)})
def random_forest(params, context):
    """Bagged, fully grown trees on the 784 pixels, as in the notebook and Zalando's runner."""
    from sklearn.ensemble import RandomForestClassifier

    return SklearnClassifier(estimator=RandomForestClassifier(random_state=context.seed, n_jobs=context.n_jobs,
                                                              **params))


@register_model("random_forest_features", family="ensemble", framework="scikit-learn", requires=("sklearn",),
                params={"n_estimators": 120},
                profiles={"smoke": {"n_estimators": 50}, "full": {}}, tiny={"n_estimators": 5},
                expected_seconds={"smoke": (2.1, 1.0), "full": (107.3, 4.8)})
def random_forest_features(params, context):
    """Bagged, fully grown trees on multi-scale means and gradient-orientation histograms.

    On raw pixels the forest stops near 87.8% (three seeds, 150 trees); the features lift it
    past 88% in the same time because each split can test a shape, not a single pixel.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline

    from fashionclasstic.models.features import ImageFeatures

    return SklearnClassifier(estimator=make_pipeline(ImageFeatures(), RandomForestClassifier(
        random_state=context.seed, n_jobs=context.n_jobs, **params)))
