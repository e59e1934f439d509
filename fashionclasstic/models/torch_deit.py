"""DeiT (Hugging Face ``transformers`` on torch): fine-tuned from pretrained weights, and a
small DeiT sized for 28x28 trained from scratch.

Attention costs grow with the square of the token count, so for the from-scratch model the
patch size is the main lever: 7x7 patches give 16 tokens per image.
"""

from __future__ import annotations

import os
from pathlib import Path

from fashionclasstic.errors import ModelUnavailable
from fashionclasstic.models.pretrained import IMAGENET, InputStatistics, host_reachable, input_adapter
from fashionclasstic.models.registry import register_model
from fashionclasstic.models.torch_support import TRAINING_DEFAULTS, TorchClassifier

HUB_HOST = "huggingface.co"
FASHION_MNIST = InputStatistics(mean=(0.2860,), std=(0.3530,))


def logits_of(model, pixels):
    return model(pixel_values=pixels).logits


def resolve_pretrained(name: str, weights_dir: Path | None) -> tuple[str, bool]:
    """``(where, local_only)``: a local folder, the hub cache, or the hub; else a skip."""
    if weights_dir is not None:
        for folder in (weights_dir / name.split("/")[-1], weights_dir / name, weights_dir):
            if (folder / "config.json").is_file():
                return str(folder), True
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name, "config.json"), str):
        return name, True
    if host_reachable(HUB_HOST):
        return name, False
    hf_home = os.environ.get("HF_HOME", "~/.cache/huggingface")
    raise ModelUnavailable(
        f"deit: pretrained weights {name} are not in the Hugging Face cache ({hf_home}) or "
        f"--fc-weights-dir, and {HUB_HOST} cannot be reached; run `hf download {name}` where "
        f"online (then set HF_HOME) or save the model under --fc-weights-dir DIR/{name.split('/')[-1]}")


def build_pretrained_deit(params, torch, where: str, local_only: bool):
    # The Auto class: facebook/deit-*-patch16-224 are stored as ViT checkpoints, the distilled
    # ones as DeiT; either gets a new 10-class head.
    from transformers import AutoModelForImageClassification
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the re-initialised 10-class head is intended
    model = AutoModelForImageClassification.from_pretrained(
        where, num_labels=10, ignore_mismatched_sizes=True, local_files_only=local_only)
    config = model.config
    return input_adapter(torch, model, config.image_size, IMAGENET, config.num_channels, logits_of)


def build_scratch_deit(params, torch):
    from transformers import DeiTConfig, DeiTForImageClassification

    config = DeiTConfig(image_size=28, patch_size=params["patch_size"], num_channels=1,
                        hidden_size=params["hidden_size"], num_hidden_layers=params["layers"],
                        num_attention_heads=params["heads"],
                        intermediate_size=params["hidden_size"] * params["mlp_ratio"],
                        hidden_dropout_prob=params["dropout"],
                        attention_probs_dropout_prob=params["dropout"], num_labels=10)
    model = DeiTForImageClassification(config)
    # transformers initialises the position embeddings and the class/distillation tokens to
    # zero; from scratch they need DeiT's truncated-normal init, or every token looks alike.
    embeddings = model.deit.embeddings
    with torch.no_grad():
        for tensor in (embeddings.position_embeddings, embeddings.cls_token, embeddings.distillation_token):
            torch.nn.init.trunc_normal_(tensor, std=0.02)
    return input_adapter(torch, model, 28, FASHION_MNIST, 1, logits_of)


@register_model("deit", family="vision transformer", framework="torch", requires=("torch", "transformers"),
                extra="torch", pretrained=True, uses_validation=True,
                weights=lambda params, context: resolve_pretrained(params["checkpoint"], context.weights_dir),
                params=dict(TRAINING_DEFAULTS, checkpoint="facebook/deit-tiny-patch16-224", epochs=4, batch_size=64,
                            learning_rate=1e-4, weight_decay=0.05, label_smoothing=0.1, flip=True, patience=2),
                profiles={"smoke": {"epochs": 1, "batch_size": 32, "label_smoothing": 0.0, "patience": None},
                          "full": {}},
                tiny={"epochs": 1, "batch_size": 32, "warmup_epochs": 0})
def deit(params, context):
    """DeiT-tiny fine-tuned from pretrained ImageNet weights, with a new 10-class head."""
    where, local_only = resolve_pretrained(params["checkpoint"], context.weights_dir)
    return TorchClassifier(name="deit", build=lambda p, torch: build_pretrained_deit(p, torch, where, local_only),
                           params=params, context=context)


@register_model("deit_scratch", family="vision transformer", framework="torch",
                requires=("torch", "transformers"), extra="torch", uses_validation=True,
                params=dict(TRAINING_DEFAULTS, patch_size=7, hidden_size=96, layers=4, heads=4, mlp_ratio=2,
                            dropout=0.0, epochs=6, batch_size=128, learning_rate=2e-3, label_smoothing=0.1, flip=True,
                            shift=1, patience=4, tta=True),  # 6 epochs + flip TTA: 8 epochs' accuracy
                # smoke: the full schedule on the subsample: a shorter one left the seeds too far apart
                # for a narrow gate, the whole schedule converges (docs/measuring.md: gates)
                profiles={"smoke": {"patience": None}, "full": {}},
                tiny={"hidden_size": 16, "layers": 1, "heads": 2, "epochs": 2, "batch_size": 32, "warmup_epochs": 0},
                expected_seconds={"smoke": (16.3, 3.2), "full": (148.5, 13.9)})
def deit_scratch(params, context):
    """A small DeiT for 28x28 grey images (7x7 patches), trained from scratch."""
    return TorchClassifier(name="deit_scratch", build=build_scratch_deit, params=params, context=context)
