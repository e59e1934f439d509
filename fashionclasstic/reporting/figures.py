"""The report's figures: confusion matrices, feature importances, learning curves, and a look
at the data itself.

Matplotlib runs on the Agg backend, so figures render on machines with no display (CI, SSH,
xdist controllers). Each figure is rendered into memory, written atomically, then closed, so a
long run with many models holds no figure open.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from fashionclasstic.fileio import atomic_write_bytes  # noqa: E402

DPI = 100
EXPLORATION_FILES = ("samples.png", "class_histogram.png", "per_class.png")


def save_figure(figure, path: Path, tight: bool = False) -> Path:
    """Render ``figure`` to PNG, write it atomically, and close it (always).

    ``tight`` crops to the drawn content (one more drawing pass), for figures whose
    fixed-aspect images the layout engine cannot fit around their labels.
    """
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight" if tight else None,
                       pad_inches=0.15)
        atomic_write_bytes(path, buffer.getvalue())
    finally:
        plt.close(figure)
    return path


def _annotate(ax, matrix: np.ndarray, labels: np.ndarray, threshold: float) -> None:
    for (row, col), value in np.ndenumerate(matrix):
        ax.text(col, row, labels[row, col], ha="center", va="center", fontsize=7,
                color="white" if value > threshold else "black")


def confusion_figure(confusion: Sequence[Sequence[int]], class_names: Sequence[str], title: str,
                     path: Path) -> Path:
    """Raw counts next to the row-normalised matrix (recall per true class on the diagonal):
    counts show the test set's scale, proportions make the classes comparable."""
    counts = np.asarray(confusion, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    normalised = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    names = list(class_names)[: len(counts)] + [str(i) for i in range(len(class_names), len(counts))]
    # A fixed layout: the matrix is always 10x10, and a layout engine would double the drawing time.
    figure, axes = plt.subplots(1, 2, figsize=(15, 7.2))
    figure.subplots_adjust(left=0.08, right=0.95, bottom=0.16, top=0.9, wspace=0.3)
    panels = ((counts, counts.astype(int).astype(str), "counts", "Blues"),
              (normalised, np.vectorize(lambda v: f"{v:.2f}")(normalised), "share of the true class", "Greens"))
    for ax, (matrix, labels, subtitle, cmap) in zip(axes, panels, strict=True):
        image = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=max(matrix.max(), 1e-9))
        _annotate(ax, matrix, labels, matrix.max() / 2 if matrix.max() > 0 else 1)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(subtitle)
        figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    figure.suptitle(title)
    return save_figure(figure, path)


def feature_importance_figure(importances: Sequence[float], title: str, path: Path) -> Path:
    """Importances laid back onto the 28x28 image, so you see which pixels the model used."""
    grid = np.asarray(importances, dtype=float).reshape(28, 28)
    figure, ax = plt.subplots(figsize=(5.6, 5), layout="constrained")
    image = ax.imshow(grid, cmap="inferno", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="importance")
    return save_figure(figure, path)


def learning_curves_figure(history: dict[str, Sequence[float]], x_label: str, title: str,
                           path: Path) -> Path:
    """Accuracy and loss per epoch (or boosting round), training against validation: the gap
    shows over-fitting, the shape shows whether more training would help."""
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for ax, metric in zip(axes, ("accuracy", "loss"), strict=True):
        plotted = False
        for key, label, style in ((metric, "training", "-"), (f"val_{metric}", "validation", "--")):
            values = np.asarray([np.nan if v is None else v for v in history.get(key) or []], dtype=float)
            if values.size:
                x = np.arange(1, values.size + 1)
                ax.plot(x, values, style, marker="o" if values.size <= 30 else None, markersize=3,
                        label=label)
                plotted = True
        if plotted:
            ax.legend()
            ax.grid(alpha=0.3)
        else:
            ax.text(0.5, 0.5, f"no {metric} recorded", ha="center", va="center", transform=ax.transAxes)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(x_label)
        ax.set_ylabel(metric)
        ax.set_title(metric)
    figure.suptitle(title)
    return save_figure(figure, path)


def _tile_row(images: np.ndarray, gap: int = 2) -> np.ndarray:
    """Images side by side with a blank gap (0 is white in ``gray_r``): one axes per row draws
    much faster than one per image."""
    height = images.shape[1]
    pieces = []
    for image in images:
        pieces += [image, np.zeros((height, gap), dtype=image.dtype)]
    return np.hstack(pieces[:-1])


def samples_figure(x: np.ndarray, y: np.ndarray, class_names: Sequence[str], path: Path,
                   rows: int = 5, columns: int = 8, seed: int = 0) -> Path:
    """A seeded random grid of training images, each titled with its class.

    One mosaic in one axes with a label over each tile: forty axes would take seconds to draw.
    """
    count = min(rows * columns, len(y))
    chosen = np.random.default_rng(seed).choice(len(y), count, replace=False)
    size, gap, label_space = 28, 4, 7
    cell_w, cell_h = size + gap, size + label_space
    mosaic = np.zeros((rows * cell_h, columns * cell_w - gap), dtype=float)
    figure, ax = plt.subplots(figsize=(columns * 1.35, rows * 1.5))
    for position, index in enumerate(chosen):
        row, column = divmod(position, columns)
        top, left = row * cell_h + label_space, column * cell_w
        mosaic[top:top + size, left:left + size] = x[index]
        ax.text(left + size / 2, top - 1, class_names[int(y[index])], ha="center", va="bottom", fontsize=8)
    ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    ax.set_title(f"{count} random training images (seed {seed})")
    figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    return save_figure(figure, path)


def class_histogram_figure(y: np.ndarray, class_names: Sequence[str], path: Path,
                           title: str = "training set: images per class") -> Path:
    """Class counts: whether the classes are balanced decides whether accuracy alone is fair."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(class_names))
    figure, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    bars = ax.bar(range(len(counts)), counts, color="#4c72b0")
    ax.bar_label(bars, fontsize=8)
    ax.set_xticks(range(len(counts)), list(class_names)[: len(counts)], rotation=30, ha="right")
    ax.set_ylabel("images")
    ax.set_title(f"{title} ({int(counts.sum())} in all)")
    ax.margins(y=0.12)
    return save_figure(figure, path)


def per_class_figure(x: np.ndarray, y: np.ndarray, class_names: Sequence[str], path: Path,
                     per_class: int = 10, seed: int = 0) -> Path:
    """One row per class of seeded random examples: how varied, and how alike, the classes are."""
    rng = np.random.default_rng(seed)
    classes = len(class_names)
    figure, axes = plt.subplots(classes, 1, figsize=(per_class * 0.95, classes * 0.95), squeeze=False,
                                layout="constrained")
    for label, ax in enumerate(axes[:, 0]):
        members = np.flatnonzero(y == label)
        ax.set_xticks([])
        # A tick label, not a y label: the layout engine makes room for tick labels.
        ax.set_yticks([13.5], [class_names[label]], fontsize=9)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if members.size:
            chosen = rng.choice(members, min(per_class, members.size), replace=False)
            ax.imshow(_tile_row(np.asarray(x[chosen], dtype=float)), cmap="gray_r", vmin=0, vmax=1,
                      interpolation="nearest")
    figure.suptitle(f"{per_class} random training images per class (seed {seed})")
    return save_figure(figure, path, tight=True)


def write_exploration(dataset, out_dir: Path, seed: int = 0) -> list[Path]:
    """The three data figures (``samples``, ``class_histogram``, ``per_class``) into ``out_dir``.

    Shared by the run report and ``python -m fashionclasstic explore``.
    """
    out_dir = Path(out_dir)
    names = dataset.class_names
    return [
        samples_figure(dataset.x_train, dataset.y_train, names, out_dir / "samples.png", seed=seed),
        class_histogram_figure(dataset.y_train, names, out_dir / "class_histogram.png"),
        per_class_figure(dataset.x_train, dataset.y_train, names, out_dir / "per_class.png", seed=seed),
    ]


def trends_figure(series: dict[str, list[float | None]], run_labels: Sequence[str], steps: dict[str, int],
                   y_label: str, title: str, path: Path, log_scale: bool = False) -> Path:
    """One metric across runs (oldest left), a line per model; a step is a dashed vertical line
    before the first run after it, in the model's colour."""
    figure, ax = plt.subplots(figsize=(11, 4.8), layout="constrained")
    x = np.arange(len(run_labels))
    for model, values in series.items():
        y = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        line, = ax.plot(x, y, marker="o", markersize=4, label=model)
        if model in steps:
            ax.axvline(steps[model] - 0.5, color=line.get_color(), linestyle="--", alpha=0.8)
            ax.annotate(f"{model}: step", (steps[model] - 0.5, np.nanmax(y)), color=line.get_color(),
                        fontsize=8, rotation=90, va="top", ha="right")
    if log_scale:
        ax.set_yscale("log")
    ax.set_xticks(x, [label[-16:] for label in run_labels], rotation=30, ha="right", fontsize=8)
    ax.set_xlabel("run (oldest first)")
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8, ncol=2)
    return save_figure(figure, path)


def pareto_front(points: Sequence[tuple[str, float, float]]) -> list[str]:
    """The names of the (name, seconds, accuracy) points no other point beats on both: nothing
    else is at least as accurate in at most the time, and strictly better in one. Fastest first."""
    front = []
    for name, seconds, accuracy in sorted(points, key=lambda p: (p[1], -p[2])):
        if not front or accuracy > front[-1][2]:
            front.append((name, seconds, accuracy))
    return [name for name, _, _ in front]


def accuracy_vs_time_figure(points: Sequence[tuple[str, float, float]], title: str, path: Path) -> Path:
    """Test accuracy against training seconds (log scale), every model labelled, the Pareto
    front drawn: the models worth their time."""
    figure, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    front = pareto_front(points)
    for name, seconds, accuracy in points:
        on_front = name in front
        ax.scatter(seconds, accuracy, s=50 if on_front else 30, color="#1a7f37" if on_front else "#57606a",
                   zorder=3)
        ax.annotate(name, (seconds, accuracy), textcoords="offset points", xytext=(6, 4), fontsize=9,
                    fontweight="bold" if on_front else "normal")
    ordered = [p for name in front for p in points if p[0] == name]
    if ordered:
        xs, ys = [p[1] for p in ordered], [p[2] for p in ordered]
        ax.step(xs, ys, where="post", color="#1a7f37", alpha=0.7, label="Pareto front (no model is both faster "
                                                                         "and more accurate)")
        ax.legend(loc="lower right", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel("training seconds (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    return save_figure(figure, path)
