"""Logistic regression: the linear baseline every other model must beat."""

from fashionclasstic.models.base import SklearnClassifier
from fashionclasstic.models.registry import register_model


@register_model("logreg", family="linear", framework="scikit-learn", requires=("sklearn",),
                # L-BFGS needs over 300 iterations on the full split: 500 lets it converge (stopped at
                # 200 it warns and scores lower; README, "Results").
                params={"C": 0.1, "max_iter": 500}, profiles={"smoke": {}, "full": {}}, tiny={"max_iter": 30},
                expected_seconds={"smoke": (4.9, 0.0), "full": (48.2, 0.1)})
def logreg(params, context):
    """Multinomial logistic regression on the 784 pixels (L-BFGS)."""
    from sklearn.linear_model import LogisticRegression

    return SklearnClassifier(estimator=LogisticRegression(random_state=context.seed, **params))
