"""MobileNetV2 from ``keras.applications``: fine-tuned from ImageNet, and the same network and
input pipeline trained from scratch for comparison.

Both see the 28x28 grey images resized inside the network and repeated to three channels, scaled
to [-1, 1] as MobileNetV2 expects; only the source of the initial weights differs.
"""

from __future__ import annotations

from fashionclasstic.errors import ModelUnavailable
from fashionclasstic.models.keras_support import TRAINING_DEFAULTS, KerasClassifier
from fashionclasstic.models.pretrained import SIGNED_UNIT, first_existing, host_reachable, keras_cache_dir
from fashionclasstic.models.registry import register_model

WEIGHTS_HOST = "storage.googleapis.com"


def imagenet_weights_name(alpha: float, size: int) -> str:
    """The file name under which Keras caches the ImageNet weights without the classifier."""
    return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{size}_no_top.h5"


def resolve_imagenet_weights(params, context) -> str:
    """A local weights file, else ``"imagenet"`` when Keras can download it, else a skip."""
    name = imagenet_weights_name(params["alpha"], params["image_size"])
    alternatives = (name, name.replace(".h5", ".weights.h5"))
    local_dirs = [d for d in (context.weights_dir, context.weights_dir and context.weights_dir / "mobilenetv2",
                              keras_cache_dir()) if d is not None]
    found = first_existing(*(directory / candidate for directory in local_dirs for candidate in alternatives))
    if found is not None:
        return str(found)
    if host_reachable(WEIGHTS_HOST):
        return "imagenet"
    raise ModelUnavailable(
        f"mobilenetv2: ImageNet weights {name} are not in {keras_cache_dir()} or --fc-weights-dir, "
        f"and {WEIGHTS_HOST} cannot be reached; copy that file into either to run this case")


def build_mobilenet(params, keras, weights):
    layers = keras.layers
    size = params["image_size"]
    inputs = keras.Input(shape=(28, 28))
    x = layers.Reshape((28, 28, 1))(inputs)
    x = layers.Resizing(size, size, interpolation="bilinear")(x)
    x = layers.Concatenate()([x, x, x])
    scale, offset = SIGNED_UNIT.scale_offset()  # [0, 1] -> [-1, 1], MobileNetV2's input range
    x = layers.Rescaling(scale, offset=offset)(x)
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), alpha=params["alpha"],
                                          include_top=False, weights=weights)
    for layer in base.layers:
        # Keras' default momentum (0.999) leaves the moving statistics far behind the weights
        # in a short training run, and a from-scratch network then predicts one class.
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = params["bn_momentum"]
    x = base(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(params["dropout"])(x)
    return keras.Model(inputs, layers.Dense(10)(x), name="mobilenetv2")


@register_model("mobilenetv2", family="neural network", framework="keras", requires=("tensorflow", "keras"),
                extra="tf", pretrained=True, uses_validation=True,
                weights=lambda params, context: params["weights_file"] or resolve_imagenet_weights(params, context),
                params=dict(TRAINING_DEFAULTS, weights_file=None, alpha=1.0, image_size=96, bn_momentum=0.99,
                            dropout=0.2, epochs=6, batch_size=64, learning_rate=5e-4, label_smoothing=0.1,
                            flip=True, patience=2),
                profiles={"smoke": {"alpha": 0.35, "bn_momentum": 0.9, "epochs": 1, "label_smoothing": 0.0,
                                    "patience": None},
                          "full": {}},
                tiny={"alpha": 0.35, "image_size": 32, "epochs": 1, "batch_size": 200, "warmup_epochs": 0,
                      "run_eagerly": True})
def mobilenetv2(params, context):
    """MobileNetV2 fine-tuned from ImageNet weights, with a new 10-class head."""
    weights = params["weights_file"] or resolve_imagenet_weights(params, context)
    return KerasClassifier(name="mobilenetv2", build=lambda p, keras: build_mobilenet(p, keras, weights),
                           params=params, context=context)


@register_model("mobilenetv2_scratch", family="neural network", framework="keras",
                requires=("tensorflow", "keras"), extra="tf", uses_validation=True,
                # The airbench recipe of the torch ``cnn`` (Nesterov SGD at peak 0.1, triangular
                # schedule, label smoothing 0.2, flip TTA): over the target in fewer epochs than AdamW
                # with cosine decay; peak 0.2 is unstable (a collapsed epoch); float32, as mixed
                # bfloat16 is slower in TensorFlow. At 32x32 the network ends on a 1x1 map; larger
                # images cost several times more per epoch (README, "Results").
                params=dict(TRAINING_DEFAULTS, alpha=0.35, image_size=32, bn_momentum=0.9, dropout=0.1, epochs=8,
                            batch_size=256, optimizer="nesterov", learning_rate=0.1, weight_decay=5e-4,
                            label_smoothing=0.2, flip=True, shift=0, warmup_epochs=1.6, tta=True),
                # Smoke: the whole recipe on the subsample, at half the peak for its 22 steps an epoch;
                # fewer epochs, or AdamW's one epoch, spread too far over seeds for a gate of 2
                # points (README, "What a gate can catch").
                profiles={"smoke": {"learning_rate": 0.05}, "full": {}},
                # eager steps on ~150 layers cost about a second each: one batch
                tiny={"epochs": 1, "batch_size": 200, "warmup_epochs": 0, "run_eagerly": True},
                expected_seconds={"smoke": (51.9, 4.1), "full": (475.3, 16.6)})
def mobilenetv2_scratch(params, context):
    """The same MobileNetV2 and input pipeline, randomly initialised, trained on Fashion-MNIST."""
    return KerasClassifier(name="mobilenetv2_scratch", build=lambda p, keras: build_mobilenet(p, keras, None),
                           params=params, context=context)
