"""A CNN+RNN hybrid (Keras): convolutions extract a feature map whose rows a recurrent layer
reads top to bottom as a sequence.

The cost of the recurrent layer grows with the sequence length and the width of each step, so
the convolutions pool the image down to a short sequence (7 rows) of compact feature vectors.
"""

from fashionclasstic.models.keras_support import TRAINING_DEFAULTS, KerasClassifier
from fashionclasstic.models.registry import register_model


def build_cnn_rnn(params, keras):
    """conv -> pool (14x14), strided conv (7x7), then the 7 rows as a sequence for a GRU/LSTM."""
    layers = keras.layers
    first, second = params["filters"]
    inputs = keras.Input(shape=(28, 28))
    x = layers.Reshape((28, 28, 1))(inputs)
    x = layers.Conv2D(first, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=params["bn_momentum"])(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(2)(x)
    # A strided convolution instead of convolution + pooling: a quarter of the cost.
    x = layers.Conv2D(second, 3, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=params["bn_momentum"])(x)
    x = layers.Activation("relu")(x)
    rows, cols, channels = x.shape[1:]
    sequence = layers.Reshape((rows, cols * channels))(x)
    recurrent = layers.GRU if params["cell"] == "gru" else layers.LSTM
    x = recurrent(params["units"])(sequence)
    x = layers.Dropout(params["dropout"])(x)
    return keras.Model(inputs, layers.Dense(10)(x), name="cnn_rnn")


@register_model("cnn_rnn", family="neural network", framework="keras", requires=("tensorflow", "keras"),
                extra="tf", uses_validation=True,
                params=dict(TRAINING_DEFAULTS, filters=(32, 64), cell="gru", units=96, bn_momentum=0.9,
                            dropout=0.2, epochs=7, batch_size=256, learning_rate=3e-3, label_smoothing=0.1,
                            shift=1, patience=3),
                profiles={"smoke": {"dropout": 0.3, "epochs": 2, "batch_size": 64, "flip": True, "patience": None},
                          "full": {}},
                # eager: tracing the graph costs more than a few tiny steps
                tiny={"filters": (4, 8), "units": 8, "epochs": 2, "batch_size": 100, "warmup_epochs": 0,
                      "run_eagerly": True},
                expected_seconds={"smoke": (7.8, 1.2), "full": (289.1, 8.0)})
def cnn_rnn(params, context):
    """Two convolutions, then a GRU reading the 7 rows of the feature map as a sequence."""
    return KerasClassifier(name="cnn_rnn", build=build_cnn_rnn, params=params, context=context)
