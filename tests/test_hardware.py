"""The hardware-dependent defaults: bf16 only where it is native (and, there, only where it is
faster), float32 otherwise, and the capabilities in the machine fingerprint."""

import time

import numpy as np
import pytest

from fashionclasstic import hardware
from fashionclasstic.hardware import Capabilities, detect
from fashionclasstic.machine import fingerprint
from fashionclasstic.models import ModelContext, create_model

AMX_XEON = frozenset({"avx", "avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"})
ZEN4 = frozenset({"avx", "avx2", "avx512f", "avx512_bf16"})
ZEN3 = frozenset({"avx", "avx2", "fma"})
NO_BF16 = Capabilities("avx2", False, "forced for the test")
NATIVE_BF16 = Capabilities("amx", True, "forced for the test")


@pytest.mark.parametrize("flags, environ, isa, native", [
    (AMX_XEON, {}, "amx", True),
    (ZEN4, {}, "avx512_bf16", True),
    (ZEN3, {}, "avx2", False),
    (frozenset({"avx512f"}), {}, "avx512", False),
    (AMX_XEON, {"ATEN_CPU_CAPABILITY": "avx2"}, "avx2", False),
    (ZEN4, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, "avx2", False),
    (ZEN4, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16", "ATEN_CPU_CAPABILITY": "avx512"}, "avx512_bf16", True),
    (ZEN4, {"DNNL_MAX_CPU_ISA": "avx512_core"}, "avx512_core", False),
])
def test_bf16_is_native_only_with_bf16_instructions_the_frameworks_may_use(flags, environ, isa, native):
    caps = detect(flags, environ)
    assert (caps.isa, caps.native_bf16) == (isa, native)
    assert caps.precisions == (("float32", "bfloat16") if native else ("float32",))
    assert caps.reason


def test_the_fingerprint_tells_an_avx2_capped_machine_from_the_same_cpu_uncapped():
    machine = {"cpu": {"brand_raw": "Intel(R) Xeon(R) Processor"}, "cpu_count": 2, "memory_bytes": 24 * 2**30}
    native = fingerprint(dict(machine, **detect(AMX_XEON, {}).as_machine_info()), 2)
    capped = fingerprint(dict(machine, **detect(AMX_XEON, {"ATEN_CPU_CAPABILITY": "avx2"})
                                      .as_machine_info()), 2)
    assert native != capped


def test_auto_precision_is_float32_without_native_bf16_and_times_nothing(monkeypatch):
    torch = pytest.importorskip("torch")
    from fashionclasstic.models.torch_support import choose_precision

    monkeypatch.setattr(hardware, "capabilities", lambda: NO_BF16)
    monkeypatch.setattr("fashionclasstic.models.torch_support.capabilities", lambda: NO_BF16)
    calls = []
    precision, reason = choose_precision(torch, torch.device("cpu"), "auto", calls.append)
    assert (precision, reason, calls) == ("float32", "forced for the test", [])


@pytest.mark.parametrize("slow, expected", [("float32", "bfloat16"), ("bfloat16", "float32")])
def test_with_native_bf16_the_faster_precision_of_a_timed_step_wins(monkeypatch, slow, expected):
    torch = pytest.importorskip("torch")
    from fashionclasstic.models.torch_support import choose_precision

    monkeypatch.setattr("fashionclasstic.models.torch_support.capabilities", lambda: NATIVE_BF16)
    precision, reason = choose_precision(torch, torch.device("cpu"), "auto",
                                         lambda p: time.sleep(0.02 if p == slow else 0.0))
    assert precision == expected
    assert "float32" in reason and "bfloat16" in reason


def test_an_explicit_or_unknown_precision(monkeypatch):
    torch = pytest.importorskip("torch")
    from fashionclasstic.errors import ConfigError
    from fashionclasstic.models.torch_support import choose_precision

    assert choose_precision(torch, torch.device("cpu"), "bfloat16")[0] == "bfloat16"
    with pytest.raises(ConfigError, match="'fp8' is not one of auto, float32, bfloat16"):
        choose_precision(torch, torch.device("cpu"), "fp8")


@pytest.mark.e2e
def test_the_cnn_trains_in_float32_where_bf16_is_not_native(monkeypatch):
    """The forced "no native bf16" machine: the cnn's auto precision is float32, and says why."""
    pytest.importorskip("torch")
    monkeypatch.setattr("fashionclasstic.models.torch_support.capabilities", lambda: NO_BF16)
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 28, 28), dtype=np.float32), np.arange(64) % 10
    model = create_model("cnn", ModelContext(seed=0, threads=1), "smoke", widths=(4, 4, 8), convs=1, epochs=2,
                         batch_size=32, precision="auto", float32_max_epochs=1)
    model.fit(x, y)
    assert (model.precision, model.precision_reason) == ("float32", "forced for the test")
    assert model.describe()["precision_reason"] == "forced for the test"
    assert (model.describe()["epochs"], len(model.history["loss"])) == (1, 1)  # the float32 recipe, as recorded


@pytest.mark.parametrize("precision, epochs, trained", [("float32", 24, 16), ("bfloat16", 24, 24), ("float32", 8, 8)])
def test_the_cnn_trains_fewer_epochs_in_float32_and_never_more_than_asked(precision, epochs, trained):
    model = create_model("cnn", ModelContext(seed=0), "full", epochs=epochs)
    assert model.recipe_for(precision)["epochs"] == trained
    assert model.params["epochs"] == epochs  # the asked-for recipe is left as it was
