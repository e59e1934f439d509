"""What every Keras model of the suite shares: threads, seeds, the training loop, cleanup.

Keras runs on the TensorFlow backend; TensorFlow picks a GPU by itself when one is visible.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from fashionclasstic.errors import ConfigError
from fashionclasstic.models.registry import ModelContext
from fashionclasstic.models.startup import register_warm_up
from fashionclasstic.models.training import NETWORK_DEFAULTS, NetworkClassifier, seed_python_and_numpy, triangular

OPTIMIZERS = ("adamw", "nesterov")
TRAINING_DEFAULTS = dict(NETWORK_DEFAULTS, batch_size=256, weight_decay=1e-4, predict_batch_size=1024,
                         optimizer="adamw", momentum=0.9,  # momentum: for "nesterov" only
                         # Eager execution skips graph tracing: slower per step, far faster for
                         # the few steps of a contract test on a large network (MobileNetV2).
                         run_eagerly=False)


def import_keras(context: ModelContext):
    """Import Keras with TensorFlow's threads set as the run asks, once per process."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf

    threads = context.cores
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1 if threads <= 2 else 2)
    except RuntimeError:
        pass  # TensorFlow already started in this process, with the threads it was given then
    import keras

    return keras


@register_warm_up("keras")
def warm_up(context: ModelContext) -> None:
    """TensorFlow's and Keras's start-up: their import, TensorFlow's thread pools, the
    ``tf.function`` machinery of ``fit``, ``evaluate`` and ``predict``, the optimiser and a
    first convolution and recurrence; on a throw-away network of its own, cleared after."""
    keras = import_keras(context)
    inputs = keras.Input((28, 28))
    features = keras.layers.Reshape((28, 28, 1))(inputs)
    features = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(features)
    features = keras.layers.MaxPooling2D(2)(features)
    features = keras.layers.Reshape((14, 14 * 4))(features)
    features = keras.layers.LSTM(8)(features)
    outputs = keras.layers.Dense(10)(keras.layers.Dropout(0.1)(features))
    network = keras.Model(inputs, outputs)
    network.compile(optimizer=keras.optimizers.AdamW(1e-3),
                    loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    rng = np.random.default_rng(context.seed)
    x = rng.random((64, 28, 28), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, 64), 10)
    network.fit(x, y, batch_size=32, epochs=1, verbose=0)
    network.evaluate(x, y, batch_size=64, verbose=0)
    network.predict(x, batch_size=64, verbose=0)
    del network
    keras.backend.clear_session()


@dataclass
class KerasClassifier(NetworkClassifier):
    """A Keras network mapping ``(n, 28, 28)`` images to 10 logits, trained epoch by epoch.

    ``build(params, keras)`` returns the uncompiled network. Training: AdamW with warm-up and
    cosine decay (or, with ``optimizer="nesterov"``, the airbench recipe's Nesterov SGD with
    warm-up and linear decay to zero), optional label smoothing and flip/shift augmentation,
    and the weights of the best validation epoch kept (early stopping with ``patience``).
    """

    def __post_init__(self):
        # Mixed bfloat16 made MobileNetV2 slower per epoch in TensorFlow even on a CPU with native
        # bf16 (README, "Results"); TensorFlow offers no per-op fallback,
        # so every Keras model trains in float32.
        self.precision_reason = "Keras models train in float32 (TensorFlow's mixed bfloat16 was slower)"
        if self.setting("optimizer") not in OPTIMIZERS:
            raise ConfigError(f"model {self.name!r}: optimizer {self.setting('optimizer')!r} is not one of "
                              f"{', '.join(OPTIMIZERS)}")

    def make_optimizer(self, keras, total_steps: int, warmup_steps: int):
        peak, decay = self.setting("learning_rate"), self.setting("weight_decay")
        if self.setting("optimizer") == "nesterov":
            return keras.optimizers.SGD(learning_rate=triangular_schedule(keras, peak, total_steps, warmup_steps),
                                        momentum=self.setting("momentum"), nesterov=True, weight_decay=decay)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=peak * 0.01, decay_steps=max(1, total_steps - warmup_steps), alpha=0.0,
            warmup_target=peak, warmup_steps=warmup_steps)
        return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=decay)

    def fit(self, x, y, validation=None):
        keras = import_keras(self.context)
        seed_python_and_numpy(self.context.seed)
        keras.utils.set_random_seed(self.context.seed)
        self.network = self.build(self.params, keras)
        epochs, batch = self.setting("epochs"), self.setting("batch_size")
        steps = int(np.ceil(len(x) / batch)) * epochs
        warmup = int(np.ceil(len(x) / batch) * self.setting("warmup_epochs"))
        self.network.compile(
            optimizer=self.make_optimizer(keras, steps, warmup),
            loss=keras.losses.CategoricalCrossentropy(from_logits=True,
                                                      label_smoothing=self.setting("label_smoothing")),
            metrics=["accuracy"], run_eagerly=self.setting("run_eagerly"))
        targets = keras.utils.to_categorical(y, 10)

        def train_epoch(images, rng):
            trained = self.network.fit(images, targets, batch_size=batch, epochs=1, verbose=0, shuffle=True)
            return {"loss": trained.history["loss"][-1], "accuracy": trained.history["accuracy"][-1]}

        def evaluate(validation):
            loss, accuracy = self.network.evaluate(
                validation.x, keras.utils.to_categorical(validation.y, 10),
                batch_size=self.setting("predict_batch_size"), verbose=0)
            return {"val_loss": loss, "val_accuracy": accuracy}

        return self.run_epochs(x, validation, train_epoch, evaluate,
                        snapshot=self.network.get_weights, restore=self.network.set_weights)

    def _logits(self, x):
        """Logits, averaged with those of the mirrored images when ``tta`` is on."""
        logits = self.network.predict(x, batch_size=self.setting("predict_batch_size"), verbose=0)
        if self.setting("tta"):
            mirrored = np.ascontiguousarray(np.asarray(x)[:, :, ::-1])
            logits = (logits + self.network.predict(mirrored, batch_size=self.setting("predict_batch_size"),
                                                    verbose=0)) / 2
        return logits

    def predict_proba(self, x):
        import keras

        return keras.ops.convert_to_numpy(keras.ops.softmax(self._logits(x)))

    def predict(self, x):
        return np.argmax(self._logits(x), axis=1)

    def parameter_count(self):
        return int(self.network.count_params()) if self.network is not None else None

    def size_bytes(self):
        return int(sum(np.asarray(w).nbytes for w in self.network.get_weights())) if self.network is not None else None

    def close(self):
        import keras

        self.network = None
        keras.backend.clear_session()


def triangular_schedule(keras, peak: float, total_steps: int, warmup_steps: int):
    """:func:`~fashionclasstic.models.training.triangular` as a Keras schedule."""

    class Triangular(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return triangular(keras.ops.cast(step, "float32"), total_steps, peak, warmup_steps, ops=keras.ops)

        def get_config(self):
            return {"peak": peak, "total_steps": total_steps, "warmup_steps": warmup_steps}

    return Triangular()
