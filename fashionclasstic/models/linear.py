"""Logistic regression: the linear baseline every other model must beat."""

from fashionclasstic.models.base import SklearnClassifier
from fashionclasstic.models.registry import register_model


@register_model("logreg", family="linear", framework="scikit-learn", requires=("sklearn",),
                params={"C": 0.1, "max_iter": 200}, profiles={"smoke": {}, "full": {}}, tiny={"max_iter": 30})
def logreg(params, context):
    """Multinomial logistic regression on the 784 pixels (L-BFGS)."""
    from sklearn.linear_model import LogisticRegression

    return SklearnClassifier(estimator=LogisticRegression(random_state=context.seed, **params))
