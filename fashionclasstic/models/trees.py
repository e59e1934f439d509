"""Single decision tree and random forest, on raw pixels so importances map back to 28x28."""

from fashionclasstic.models.base import SklearnClassifier
from fashionclasstic.models.registry import register_model


@register_model("decision_tree", family="tree", framework="scikit-learn", requires=("sklearn",),
                profiles={"smoke": {"max_depth": 12, "min_samples_leaf": 2},
                          "full": {"max_depth": 14, "min_samples_leaf": 4}})
def decision_tree(params, context):
    """A single CART tree, depth-limited: an unlimited tree overfits and scores lower."""
    from sklearn.tree import DecisionTreeClassifier

    return SklearnClassifier(estimator=DecisionTreeClassifier(random_state=context.seed, **params))


@register_model("random_forest", family="ensemble", framework="scikit-learn", requires=("sklearn",),
                profiles={"smoke": {"n_estimators": 50},
                          "full": {"n_estimators": 150}})
def random_forest(params, context):
    """Bagged, fully grown trees with sqrt(784) candidate pixels per split."""
    from sklearn.ensemble import RandomForestClassifier

    return SklearnClassifier(estimator=RandomForestClassifier(
        random_state=context.seed, n_jobs=context.n_jobs, **params))
