"""Evaluation figures: expression confusion matrix, per-AU F1 bars, truth-vs-prediction VA density.

``plot_evaluation`` draws those the data labels (``affectkeras evaluate --plot DIR``); each
figure skips MISSING labels (-1 expression, -1 per AU, -5 VA) the way the scores do.

Example:
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.integers(0, 7, 200)
    >>> predicted = np.where(rng.uniform(size=200) < 0.7, truth, rng.integers(0, 7, 200))
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = plot_confusion_matrix(truth, predicted, 7, folder / "c.png")
    >>> path.stat().st_size > 10_000
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm
from sklearn.metrics import confusion_matrix, f1_score

from affectkeras import labels
from affectkeras.metrics.scores import ccc
from affectkeras.plots.figures import new_figure, save

AU_THRESHOLD = 0.5
FILES = {
    "expression": "confusion_matrix.png",
    "action_units": "au_f1.png",
    "valence_arousal": "va_density.png",
}


def plot_confusion_matrix(
    expression_true, expression_pred, num_classes: int, path: str | Path
) -> Path:
    """Writes a PNG: the row-normalised confusion matrix (cells: % of the true class, count).

    Args:
        expression_true: [N] class indices (-1: missing, left out).
        expression_pred: [N, C'] probabilities or [N] class indices.
        num_classes: C, the label space scored (7 or 8); predictions outside it (``other``
            from an 8-class model on 7-class data) get their own column.
        path: the PNG to write.
    """
    truth = np.asarray(expression_true, np.int64)
    predicted = np.asarray(expression_pred)
    if predicted.ndim == 2:
        predicted = predicted.argmax(axis=1)
    keep = truth >= 0
    truth, predicted = truth[keep], predicted[keep].astype(np.int64)
    if truth.size == 0:
        raise ValueError("no labelled expression to plot")
    columns = max(num_classes, int(predicted.max()) + 1)
    counts = confusion_matrix(truth, predicted, labels=range(columns))[:num_classes]
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    names = labels.expression_names(8)
    figure = new_figure(1.2 + 0.75 * columns, 1.0 + 0.7 * num_classes)
    ax = figure.subplots()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (row, column), value in np.ndenumerate(share):
        colour = "white" if value > 0.6 else "black"
        text = f"{100 * value:.0f}%\n{counts[row, column]}"
        ax.text(column, row, text, ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(columns), names[:columns], rotation=45, ha="right")
    ax.set_yticks(
        range(num_classes), [f"{n} ({t})" for n, t in zip(names, totals[:, 0], strict=False)]
    )
    ax.set_xlabel("predicted expression")
    ax.set_ylabel("true expression (labelled samples)")
    accuracy = float((truth == predicted).mean())
    f1 = f1_score(truth, predicted, labels=range(num_classes), average="macro", zero_division=0)
    ax.set_title(f"Expression: accuracy {accuracy:.3f}, macro F1 {f1:.3f} (N={truth.size})")
    bar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02)
    bar.set_label("share of the true class")
    return save(figure, path)


def per_au_f1(au_true, au_pred) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-AU F1 at 0.5 over labelled entries: (f1 [12] NaN when unlabelled, n [12], pos [12])."""
    truth = np.asarray(au_true, np.float64)
    decisions = (np.asarray(au_pred, np.float64) >= AU_THRESHOLD).astype(np.int64)
    f1 = np.full(truth.shape[1], np.nan)
    labelled = (truth >= 0).sum(axis=0)
    positives = (truth == 1).sum(axis=0)
    for unit in range(truth.shape[1]):
        keep = truth[:, unit] >= 0
        if keep.any():
            f1[unit] = f1_score(
                truth[keep, unit].astype(np.int64), decisions[keep, unit], zero_division=0
            )
    return f1, labelled, positives


def plot_au_f1(au_true, au_pred, path: str | Path) -> Path:
    """Writes a PNG: F1 of each AU (threshold 0.5) with its mean, and each AU's positive count.

    Args:
        au_true: [N, 12] in {0, 1, -1} (-1 missing). au_pred: [N, 12] probabilities or 0/1.
        path: the PNG to write.
    """
    f1, labelled, positives = per_au_f1(au_true, au_pred)
    if not labelled.any():
        raise ValueError("no labelled AU to plot")
    figure = new_figure(9, 4.2)
    ax = figure.subplots()
    x = np.arange(len(labels.ACTION_UNITS))
    ax.bar(x, np.nan_to_num(f1), color="tab:blue")
    mean = float(np.nanmean(f1))
    ax.axhline(mean, color="tab:red", lw=1.2, ls="--")
    for unit, value in enumerate(f1):
        text = "n/a" if np.isnan(value) else f"{value:.2f}"
        ax.text(unit, np.nan_to_num(value) + 0.02, text, ha="center", fontsize=8)
    ticks = [
        f"{au}\n{p}/{n}" for au, p, n in zip(labels.ACTION_UNITS, positives, labelled, strict=True)
    ]
    ax.set_xticks(x, ticks, fontsize=8)
    ax.set_xlabel("action unit (positives / labelled samples)")
    ax.set_ylabel("F1 (threshold 0.5)")
    ax.set_ylim(0, 1.1)
    ax.set_title(f"Action units: F1 per unit (dashed red line: mean F1 {mean:.3f})")
    return save(figure, path)


def plot_va_density(va_true, va_pred, path: str | Path) -> Path:
    """Writes a PNG: 2-D histograms of prediction against truth for valence and arousal.

    Args:
        va_true: [N, 2] (valence, arousal; -5 missing, left out per dimension).
        va_pred: [N, 2]. path: the PNG to write.
    """
    truth = np.asarray(va_true, np.float64)
    predicted = np.asarray(va_pred, np.float64)
    figure = new_figure(10, 4.6)
    axes = figure.subplots(1, 2)
    edges = np.linspace(-1, 1, 41)
    image = None
    for dimension, (ax, name) in enumerate(zip(axes, labels.VALENCE_AROUSAL, strict=True)):
        keep = truth[:, dimension] != labels.MISSING_VA
        if not keep.any():
            raise ValueError(f"no labelled {name} to plot")
        x, y = truth[keep, dimension], np.clip(predicted[keep, dimension], -1, 1)
        counts, _, _ = np.histogram2d(x, y, bins=[edges, edges])
        image = ax.pcolormesh(
            edges, edges, np.ma.masked_equal(counts.T, 0), cmap="viridis", norm=LogNorm(vmin=1)
        )
        ax.plot([-1, 1], [-1, 1], color="tab:red", lw=1, ls="--", label="prediction = truth")
        ax.set_aspect("equal")
        ax.set_xlabel(f"true {name}")
        ax.set_ylabel(f"predicted {name}")
        ax.set_title(
            f"{name.capitalize()}: CCC {ccc(x, predicted[keep, dimension]):.3f} (N={x.size})"
        )
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    bar = figure.colorbar(image, ax=axes, fraction=0.03, pad=0.02)
    top = image.norm.vmax
    ticks = [v * 10**e for e in range(8) for v in (1, 2, 5) if v * 10**e <= top]
    bar.set_ticks(ticks, labels=[str(t) for t in ticks])
    bar.ax.minorticks_off()
    bar.set_label("samples per cell (log scale)")
    return save(figure, path)


def plot_evaluation(
    truth: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    out_dir: str | Path,
    num_classes: int,
) -> list[Path]:
    """Writes the figures of every task both labelled and predicted into ``out_dir``.

    Args:
        truth: canonical targets aligned with ``outputs`` (``expression`` [N], ``action_units``
            [N, 12], ``valence_arousal`` [N, 2], sentinels kept).
        outputs: the predictor's canonical outputs [N, ...].
        out_dir: folder for ``confusion_matrix.png``, ``au_f1.png``, ``va_density.png``.
        num_classes: the expression space of the data (7 or 8).

    Returns:
        The PNGs written (tasks without a labelled sample are skipped).
    """
    out_dir = Path(out_dir)
    written = []
    for name, file in FILES.items():
        if name not in truth or name not in outputs:
            continue
        target = np.asarray(truth[name])
        labelled = target >= 0 if name != "valence_arousal" else target != labels.MISSING_VA
        if not labelled.any():
            continue
        if name == "expression":
            written.append(
                plot_confusion_matrix(target, outputs[name], num_classes, out_dir / file)
            )
        elif name == "action_units":
            written.append(plot_au_f1(target, outputs[name], out_dir / file))
        else:
            written.append(plot_va_density(target, outputs[name], out_dir / file))
    return written
