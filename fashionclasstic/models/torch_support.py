"""What every torch model of the suite shares: threads, seeds, device, the training loop.

Runs on a CUDA GPU when torch sees one, on the CPU otherwise.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fashionclasstic.errors import ConfigError
from fashionclasstic.hardware import capabilities
from fashionclasstic.models.registry import ModelContext
from fashionclasstic.models.startup import register_warm_up
from fashionclasstic.models.training import NETWORK_DEFAULTS, NetworkClassifier, seed_python_and_numpy, warmup_cosine

TRAINING_DEFAULTS = dict(NETWORK_DEFAULTS, batch_size=128, weight_decay=0.05, predict_batch_size=1000,
                         grad_clip=1.0, float32_max_epochs=None, tta_shift=0)


def import_torch(context: ModelContext):
    """Import torch with its threads set as the run asks and every seed set."""
    import torch

    torch.set_num_threads(context.cores)
    seed_python_and_numpy(context.seed)
    torch.manual_seed(context.seed)
    return torch


@register_warm_up("torch")
def warm_up(context: ModelContext) -> None:
    """torch's start-up: its import, its thread pool, autograd and the optimiser, a
    convolution, forward and backward in every precision a network may train in here, and
    inference mode; on a throw-away network of its own."""
    torch = import_torch(context)
    device = device_of(torch)
    network = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                                  torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Dropout(0.1),
                                  torch.nn.Linear(8 * 14 * 14, 10)).to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3)
    inputs = torch.rand(64, 1, 28, 28, device=device)
    targets = torch.randint(0, 10, (64,), device=device)
    precisions = ("float32", "bfloat16") if device.type == "cuda" else capabilities().precisions
    for precision in precisions:
        for _ in range(2):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bfloat16"):
                loss = torch.nn.functional.cross_entropy(network(inputs).float(), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    network.eval()
    with torch.inference_mode():
        network(inputs).argmax(1)
    if device.type == "cuda":
        torch.cuda.synchronize()


def tensor_of(torch, array, dtype=np.float32):
    """A tensor over ``array``'s memory, or over a copy when the array is read-only (the suite
    hands models read-only views of its data; ``torch.from_numpy`` would share them writable)."""
    array = np.ascontiguousarray(array, dtype=dtype)
    return torch.from_numpy(array if array.flags.writeable else array.copy())


def device_of(torch):
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


PRECISIONS = ("auto", "float32", "bfloat16")
PROBE_STEPS = 2  # timed training steps per candidate precision, after one untimed


def choose_precision(torch, device, requested: str, step: Callable[[str], None] | None = None) -> tuple[str, str]:
    """The precision to train in, and why.

    ``auto``: float32 unless bf16 is native here (a GPU that supports it; on the CPU,
    AVX512-BF16 or AMX that the frameworks may use). Where it is native on a CPU, native is not
    always faster (small convolutions can lose to float32), so ``step(precision)``, one training
    step on a copy of the network, is timed in both and the faster is kept, as cuDNN's
    benchmark mode picks kernels. ``float32`` or ``bfloat16`` is taken as asked.
    """
    if requested not in PRECISIONS:
        raise ConfigError(f"precision {requested!r} is not one of {', '.join(PRECISIONS)}")
    if requested != "auto":
        return requested, "set by the model's parameters"
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return "bfloat16", f"{torch.cuda.get_device_name(device)} supports bf16"
        return "float32", f"{torch.cuda.get_device_name(device)} has no bf16"
    caps = capabilities()
    if len(caps.precisions) == 1 or step is None:
        return caps.precisions[0], caps.reason
    seconds = {}
    for precision in caps.precisions:
        step(precision)  # untimed: the first call allocates and picks kernels
        started = time.perf_counter()
        for _ in range(PROBE_STEPS):
            step(precision)
        seconds[precision] = (time.perf_counter() - started) / PROBE_STEPS
    fastest = min(seconds, key=seconds.get)
    timed = ", ".join(f"{name} {value:.3f} s" for name, value in seconds.items())
    return fastest, f"{caps.reason}; one training step: {timed}"


@dataclass
class TorchClassifier(NetworkClassifier):
    """A torch module mapping a ``(n, 1, 28, 28)`` float tensor to 10 logits.

    ``build(params, torch)`` returns the module. Training: AdamW, linear warm-up then cosine
    decay per step, optional label smoothing and flip/shift augmentation, gradient clipping,
    and the state of the best validation epoch kept (early stopping with ``patience``).
    """

    _random_state_after_choice: Any = field(default=None, init=False, repr=False)

    def _tensor(self, torch, x: np.ndarray):
        return tensor_of(torch, x).unsqueeze(1)

    # The hooks a recipe overrides (see torch_cnn.py); these are DeiT's: AdamW, warm-up then
    # cosine decay per step, gradient clipping, float32.

    def make_network(self, torch, x: np.ndarray):
        return self.build(self.params, torch)

    def make_optimizer(self, torch):
        return torch.optim.AdamW(_decay_groups(self.network, self.setting("weight_decay")),
                                 lr=self.setting("learning_rate"))

    def learning_rate(self, step: int, total_steps: int, steps_per_epoch: int) -> float:
        return warmup_cosine(step, total_steps, self.setting("learning_rate"),
                             int(steps_per_epoch * self.setting("warmup_epochs")))

    def forward(self, torch, inputs):
        return self.run_network(self.network, torch, inputs, self.precision)

    def run_network(self, network, torch, inputs, precision: str):
        """``network`` on ``inputs`` in the recipe's memory format, under bf16 autocast if asked."""
        with torch.autocast(inputs.device.type, dtype=torch.bfloat16, enabled=precision == "bfloat16"):
            return network(inputs.contiguous(memory_format=self.memory_format(torch)))

    def before_step(self, torch) -> None:
        torch.nn.utils.clip_grad_norm_(self.network.parameters(), self.setting("grad_clip"))

    def prepare(self, x, y, validation=None):
        """The suite's own choosing, before the timed ``fit``: the precision to train in (the
        step probe), on the network ``fit`` will build, built here and thrown away. ``fit``
        starts from the random state the probe left, so the model trains as if it had chosen."""
        torch = import_torch(self.context)
        device = device_of(torch)
        network = self.make_network(torch, x).to(device)
        self._choose_precision(torch, device, network, x, y)
        self._random_state_after_choice = torch.get_rng_state()

    def _choose_precision(self, torch, device, network, x, y) -> None:
        batch = self.setting("batch_size")
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=self.setting("label_smoothing"))
        self.precision, self.precision_reason = choose_precision(
            torch, device, self.params.get("precision", "float32"),
            self._probe_step(network, torch, self._tensor(torch, x[:batch]).to(device),
                             tensor_of(torch, y[:batch], np.int64).to(device), loss_fn))
        self.params = self.recipe_for(self.precision)

    def fit(self, x, y, validation=None):
        torch = import_torch(self.context)
        device = device_of(torch)
        self.network = self.make_network(torch, x).to(device)
        if self._random_state_after_choice is None:  # not prepared (outside the suite): choose here
            self._choose_precision(torch, device, self.network, x, y)
        else:
            torch.set_rng_state(self._random_state_after_choice)
        batch = self.setting("batch_size")
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=self.setting("label_smoothing"))
        labels = tensor_of(torch, y, np.int64)
        steps_per_epoch = int(np.ceil(len(x) / batch))
        total_steps = steps_per_epoch * self.setting("epochs")
        optimizer = self.make_optimizer(torch)
        step = 0

        def train_epoch(augmented, rng):
            nonlocal step
            self.network.train()
            images = self._tensor(torch, augmented)
            order = torch.from_numpy(rng.permutation(len(x)))
            total_loss, correct = 0.0, 0
            for start in range(0, len(x), batch):
                index = order[start:start + batch]
                for group in optimizer.param_groups:
                    group["lr"] = self.learning_rate(step, total_steps, steps_per_epoch)
                inputs, targets = images[index].to(device), labels[index].to(device)
                logits = self.forward(torch, inputs)
                loss = loss_fn(logits.float(), targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.before_step(torch)
                optimizer.step()
                step += 1
                total_loss += float(loss.detach()) * len(index)
                correct += int((logits.argmax(1) == targets).sum())
            return {"loss": total_loss / len(x), "accuracy": correct / len(x)}

        def evaluate(validation):
            val_logits = self._logits(torch, validation.x, views=False)
            val_targets = tensor_of(torch, validation.y, np.int64)
            return {"val_loss": float(torch.nn.functional.cross_entropy(val_logits, val_targets)),
                    "val_accuracy": float((val_logits.argmax(1) == val_targets).float().mean())}

        return self.run_epochs(x, validation, train_epoch, evaluate,
                               snapshot=lambda: copy.deepcopy(self.network.state_dict()),
                               restore=self.network.load_state_dict)

    def recipe_for(self, precision: str) -> dict:
        """The parameters to train with in ``precision``: at most ``float32_max_epochs`` epochs in
        float32, where a recipe tuned with native bf16 would take a CPU without it over its time
        budget (the README's AVX2 results say by how much). Never more epochs than asked for; the
        epochs trained are what the record's hyperparameters show."""
        cap = self.params.get("float32_max_epochs")
        if precision != "float32" or cap is None or self.setting("epochs") <= cap:
            return self.params
        return {**self.params, "epochs": cap}

    def _probe_step(self, network, torch, inputs, targets, loss_fn):
        """One forward and backward pass on a throw-away copy of ``network``, in a given precision."""
        network = copy.deepcopy(network)

        def step(precision: str) -> None:
            loss_fn(self.run_network(network, torch, inputs, precision).float(), targets).backward()
            network.zero_grad(set_to_none=True)

        return step

    def memory_format(self, torch):
        """The layout of input batches (channels-last where a recipe prefers it)."""
        return torch.contiguous_format

    def _logits(self, torch, x: np.ndarray, views: bool = True):
        """The logits of ``x`` in batches, with the test-time views (``tta``, ``tta_shift``) unless
        ``views`` is false. Validation scores without them, as Keras does: the views would lift
        every epoch alike, at two or six times the cost."""
        device = device_of(torch)
        self.network.eval()
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(x), self.setting("predict_batch_size")):
                batch = self._tensor(torch, x[start:start + self.setting("predict_batch_size")]).to(device)
                logits = self.predict_logits(torch, batch) if views else self.forward(torch, batch)
                outputs.append(logits.float().cpu())
        return torch.cat(outputs)

    def predict_logits(self, torch, batch):
        """Logits, averaged with those of the mirrored images when ``tta`` is on; with
        ``tta_shift`` pixels, airbench's translation too: half the weight on the images as they
        are, a quarter each on them moved up-left and down-right (zero padded)."""
        logits = self._view_logits(torch, batch)
        shift = self.setting("tta_shift")
        if shift:
            padded = torch.nn.functional.pad(batch, (shift, shift, shift, shift))
            height, width = batch.shape[-2:]
            moved = [padded[..., offset:offset + height, offset:offset + width] for offset in (0, 2 * shift)]
            logits = logits / 2 + sum(self._view_logits(torch, view) for view in moved) / 4
        return logits

    def _view_logits(self, torch, batch):
        logits = self.forward(torch, batch).float()
        if self.setting("tta"):
            logits = (logits + self.forward(torch, batch.flip(-1)).float()) / 2
        return logits

    def predict_proba(self, x):
        import torch

        return torch.softmax(self._logits(torch, x), dim=1).numpy()

    def predict(self, x):
        import torch

        return self._logits(torch, x).argmax(1).numpy()

    def parameter_count(self):
        return int(sum(p.numel() for p in self.network.parameters())) if self.network is not None else None

    def size_bytes(self):
        if self.network is None:
            return None
        return int(sum(t.numel() * t.element_size() for t in self.network.state_dict().values()))

    def close(self):
        import torch

        self.network = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _decay_groups(network, weight_decay: float) -> list[dict]:
    """Weight decay on weight matrices only: not on biases, norms, tokens or position embeddings."""
    decay, no_decay = [], []
    for name, parameter in network.named_parameters():
        exempt = parameter.ndim < 2 or "token" in name or "position" in name
        (no_decay if exempt else decay).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
