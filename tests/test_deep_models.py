"""The deep models' code paths, end to end on tiny data and tiny randomly initialised networks.

The pretrained models are exercised through the very functions that load real weights: only
the weights' source differs (a tiny random checkpoint saved here instead of the hub's).
"""

import logging

import numpy as np
import pytest

from fashionclasstic.data import Validation
from fashionclasstic.errors import ConfigError, ModelUnavailable
from fashionclasstic.models import ModelContext, create_model, keras_mobilenet, torch_deit
from fashionclasstic.models.contract import tiny_images

CONTEXT = ModelContext(seed=0, threads=1)
TRAINING = {"epochs": 2, "batch_size": 32, "warmup_epochs": 0}


@pytest.fixture(scope="module")
def tiny():
    """200 train / 60 validation / 50 test images the contract uses: learnable in a few steps."""
    (x, y), (xv, yv), (xt, yt) = tiny_images(200, seed=0), tiny_images(60, seed=1), tiny_images(50, seed=2)
    return x, y, Validation(xv, yv), xt, yt


def check_fitted(model, tiny, epochs=2):
    x, y, validation, xt, yt = tiny
    assert model.fit(x, y, validation) is model
    predictions = model.predict(xt)
    assert predictions.shape == (len(xt),) and set(predictions) <= set(range(10))
    probabilities = model.predict_proba(xt)
    assert probabilities.shape == (len(xt), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)
    assert set(model.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == epochs for values in model.history.values())
    assert model.parameter_count() > 0 and model.size_bytes() > 0
    return predictions


@pytest.mark.e2e
@pytest.mark.parametrize("name, overrides", [
    ("dnn", {"units": (32,), "dropout": 0.1}),
    ("cnn_rnn", {"filters": (4, 8), "units": 8, "cell": "lstm"}),
])
def test_keras_models_train_predict_and_record_history(tiny, name, overrides, caplog):
    """The GRU variant and every other model's basic contract run in test_contract.py."""
    pytest.importorskip("tensorflow")
    model = create_model(name, CONTEXT, "smoke", **overrides, **TRAINING)
    with caplog.at_level(logging.INFO, logger="fashionclasstic.training"):
        check_fitted(model, tiny)
    epoch_lines = [r.message for r in caplog.records if " epoch " in r.message]
    assert len(epoch_lines) == 2 and "val_accuracy" in epoch_lines[0]
    model.close()
    assert model.network is None


def test_the_triangular_schedule_rises_to_its_peak_then_falls_to_zero():
    pytest.importorskip("tensorflow")
    from fashionclasstic.models.keras_support import import_keras, triangular_schedule

    keras = import_keras(CONTEXT)
    schedule = triangular_schedule(keras, peak=0.1, total_steps=100, warmup_steps=20)
    rates = [float(keras.ops.convert_to_numpy(schedule(step))) for step in (0, 10, 20, 60, 100, 120)]
    np.testing.assert_allclose(rates, [0.0, 0.05, 0.1, 0.05, 0.0, 0.0], atol=1e-7)


def test_an_unknown_keras_optimizer_is_one_clear_message_before_training():
    with pytest.raises(ConfigError, match="optimizer 'adam' is not one of adamw, nesterov"):
        create_model("dnn", CONTEXT, "smoke", optimizer="adam")


@pytest.mark.e2e
def test_early_stopping_keeps_the_best_epoch(tiny):
    pytest.importorskip("torch")
    model = create_model("deit_scratch", CONTEXT, "smoke", patch_size=7, hidden_size=16, layers=1, heads=2,
                         mlp_ratio=2, epochs=6, patience=1, learning_rate=0.5, batch_size=32, warmup_epochs=0)
    x, y, validation, _, _ = tiny
    model.fit(x, y, validation)
    ran = len(model.history["val_accuracy"])
    assert model.best_epoch == int(np.argmax(model.history["val_accuracy"])) + 1
    assert ran == 6 or ran - model.best_epoch == 1


@pytest.mark.e2e
def test_deit_scratch_trains_and_predicts(tiny):
    pytest.importorskip("transformers")
    model = create_model("deit_scratch", CONTEXT, "smoke", patch_size=7, hidden_size=32, layers=1, heads=2,
                         mlp_ratio=2, **TRAINING)
    check_fitted(model, tiny)
    assert model.describe()["patch_size"] == 7


@pytest.mark.e2e
def test_deit_fine_tuning_path_on_a_tiny_random_checkpoint(tiny, tmp_path):
    """Save a tiny random DeiT where the real weights would be, then fine-tune it the real way."""
    pytest.importorskip("transformers")
    from transformers import DeiTConfig, DeiTForImageClassificationWithTeacher

    checkpoint = tmp_path / "deit-tiny-patch16-224"
    config = DeiTConfig(image_size=32, patch_size=16, num_channels=3, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, num_labels=1000)
    DeiTForImageClassificationWithTeacher(config).save_pretrained(checkpoint)
    context = ModelContext(seed=0, threads=1, weights_dir=tmp_path)
    assert torch_deit.resolve_pretrained("facebook/deit-tiny-patch16-224", tmp_path) == (str(checkpoint), True)
    model = create_model("deit", context, "smoke", **TRAINING)
    check_fitted(model, tiny)
    assert model.network.model.config.num_labels == 10  # a new 10-class head


@pytest.mark.e2e
def test_mobilenet_fine_tuning_path_on_tiny_random_weights(tiny, tmp_path):
    """Random MobileNetV2 weights saved under the file name Keras caches ImageNet's as."""
    pytest.importorskip("tensorflow")
    from fashionclasstic.models.keras_support import import_keras

    keras = import_keras(CONTEXT)
    params = {"alpha": 0.35, "image_size": 32}
    name = keras_mobilenet.imagenet_weights_name(0.35, 32).replace(".h5", ".weights.h5")
    keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False,
                                   weights=None).save_weights(tmp_path / name)
    context = ModelContext(seed=0, threads=1, weights_dir=tmp_path)
    resolved = keras_mobilenet.resolve_imagenet_weights({**params}, context)
    assert resolved == str(tmp_path / name)
    model = create_model("mobilenetv2", context, "smoke", **params, **{**TRAINING, "epochs": 1, "batch_size": 200},
                         run_eagerly=True)
    check_fitted(model, tiny, epochs=1)


def test_missing_pretrained_weights_skip_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(torch_deit, "host_reachable", lambda host: False)
    monkeypatch.setattr(keras_mobilenet, "host_reachable", lambda host: False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf/hub"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    for name, expected in (("deit", "deit: pretrained weights facebook/deit-tiny-patch16-224 are not in"),
                           ("mobilenetv2", "mobilenetv2: ImageNet weights mobilenet_v2_weights_tf_dim_ordering")):
        pytest.importorskip("transformers" if name == "deit" else "tensorflow")
        with pytest.raises(ModelUnavailable) as raised:
            create_model(name, ModelContext(), "full")
        assert str(raised.value).startswith(expected) and "\n" not in str(raised.value)


@pytest.mark.e2e
@pytest.mark.parametrize("name, overrides", [
    ("dnn", {"units": (32,), "dropout": 0.1}),
    ("deit_scratch", {"hidden_size": 16, "layers": 1, "heads": 2}),
])
def test_flip_tta_averages_an_image_with_its_mirror(tiny, name, overrides):
    """With ``tta`` a network cannot tell an image from its mirror; without, it can."""
    pytest.importorskip("tensorflow" if name == "dnn" else "torch")
    x, y, validation, xt, _ = tiny
    mirrored = np.ascontiguousarray(xt[:, :, ::-1])
    model = create_model(name, CONTEXT, "smoke", **overrides, **TRAINING, tta=True).fit(x, y, validation)
    for tta in (True, False):  # the setting acts at prediction only
        model.params["tta"] = tta
        same = np.allclose(model.predict_proba(xt), model.predict_proba(mirrored), atol=1e-5)
        assert same is tta
    model.close()


@pytest.mark.e2e
def test_validation_picks_the_epoch_on_the_network_without_test_time_views(tiny):
    """The best epoch's validation accuracy is the network's own, as Keras scores it: test-time
    views would cost every epoch their predictions and lift every epoch alike."""
    pytest.importorskip("torch")
    from fashionclasstic.models import get_model_spec

    x, y, validation, _, _ = tiny
    model = create_model("cnn", CONTEXT, "smoke", **get_model_spec("cnn").tiny, tta=True).fit(x, y, validation)
    recorded = model.history["val_accuracy"][model.best_epoch - 1]
    accuracy = {}
    for tta in (True, False):
        model.params["tta"] = tta
        accuracy[tta] = float((model.predict(validation.x) == validation.y).mean())
    assert recorded == pytest.approx(accuracy[False]) and accuracy[True] != accuracy[False]
    model.close()


@pytest.mark.e2e
def test_translate_tta_weighs_the_images_by_half_and_each_one_pixel_move_by_a_quarter(tiny):
    torch = pytest.importorskip("torch")
    from fashionclasstic.models import get_model_spec

    x, y, _, xt, _ = tiny
    model = create_model("cnn", CONTEXT, "smoke", **get_model_spec("cnn").tiny).fit(x, y)

    def logits(images, shift):
        model.params["tta_shift"] = shift
        return model._logits(torch, images).numpy()

    down_right = np.pad(xt, ((0, 0), (1, 0), (1, 0)))[:, :28, :28]
    up_left = np.pad(xt, ((0, 0), (0, 1), (0, 1)))[:, 1:, 1:]
    expected = logits(xt, 0) / 2 + (logits(down_right, 0) + logits(up_left, 0)) / 4
    np.testing.assert_allclose(logits(xt, 1), expected, atol=1e-5)
    assert not np.allclose(logits(xt, 1), logits(xt, 0), atol=1e-3)
    model.close()


def test_random_erasing_blanks_one_rectangle_of_the_declared_size_in_the_chosen_images():
    from fashionclasstic.models.training import ERASE_AREA, augment, erasing_mask

    rng = np.random.default_rng(0)
    masks = erasing_mask((2000, 28, 28), rng, probability=1.0)
    for mask in masks[:200]:
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        assert mask.sum() == len(rows) * len(cols)  # one solid rectangle
        assert np.all(np.diff(rows) == 1) and np.all(np.diff(cols) == 1)
    areas = masks.sum((1, 2)) / (28 * 28)
    assert areas.min() >= ERASE_AREA[0] / 2 and areas.max() <= ERASE_AREA[1] * 1.3  # rounded to whole pixels
    assert 0.4 < erasing_mask((2000, 28, 28), rng, 0.5).any((1, 2)).mean() < 0.6
    assert not erasing_mask((50, 28, 28), rng, 0.0).any()

    images = np.ones((500, 28, 28), dtype=np.float32)
    erased = augment(images, np.random.default_rng(1), flip=False, shift=0, erase=0.5)
    blanked = (erased == 0).any((1, 2))
    assert 0.35 < blanked.mean() < 0.65 and np.all(erased[~blanked] == 1) and np.all(images == 1)
