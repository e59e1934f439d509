"""Data: finding and verifying Fashion-MNIST, and the normalised dataset the models share."""

from fashionclasstic.data.dataset import (
    CLASS_NAMES,
    SOURCES,
    FashionMNIST,
    Validation,
    load_fashion_mnist,
    stratified_indices,
)

__all__ = ["CLASS_NAMES", "SOURCES", "FashionMNIST", "Validation", "load_fashion_mnist", "stratified_indices"]
