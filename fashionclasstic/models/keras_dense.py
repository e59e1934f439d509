"""A dense network on the 784 normalised pixels (Keras)."""

from fashionclasstic.models.keras_support import TRAINING_DEFAULTS, KerasClassifier
from fashionclasstic.models.registry import register_model


def build_dense(params, keras):
    """Flatten, then Dense -> BatchNorm -> ReLU -> Dropout blocks, then 10 logits."""
    inputs = keras.Input(shape=(28, 28))
    hidden = keras.layers.Flatten()(inputs)
    for units in params["units"]:
        hidden = keras.layers.Dense(units, use_bias=False)(hidden)
        hidden = keras.layers.BatchNormalization(momentum=params["bn_momentum"])(hidden)
        hidden = keras.layers.Activation("relu")(hidden)
        hidden = keras.layers.Dropout(params["dropout"])(hidden)
    return keras.Model(inputs, keras.layers.Dense(10)(hidden), name="dnn")


@register_model("dnn", family="neural network", framework="keras", requires=("tensorflow", "keras"),
                extra="tf", uses_validation=True,
                params=dict(TRAINING_DEFAULTS, units=(512, 256), dropout=0.2, bn_momentum=0.9, epochs=25,
                            batch_size=512, learning_rate=3e-3, label_smoothing=0.1, flip=True, patience=6),
                profiles={"smoke": {"epochs": 3, "batch_size": 128, "patience": None}, "full": {}},
                tiny={"units": (32,), "epochs": 2, "batch_size": 100, "warmup_epochs": 0, "run_eagerly": True},
                expected_seconds={"smoke": (7.0, 0.6), "full": (100.1, 2.2)})
def dnn(params, context):
    """Dense network: two hidden layers with batch norm and dropout."""
    return KerasClassifier(name="dnn", build=build_dense, params=params, context=context)
