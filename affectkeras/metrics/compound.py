"""Seed 003's compound-emotion scores (Pons & Masip, Table 4).

Table 4 reports, for the eight compound emotions, the accuracy within each class and two
summaries: "Mean compounds" (the mean of the per-class accuracies, i.e. balanced accuracy) and
"All images" (plain accuracy). :func:`compound_scores` returns both, keyed like metrics.json.

Example:
    >>> import numpy as np
    >>> scores = compound_scores(np.array([0, 0, 0, 1, -1]), np.array([0, 0, 1, 1, 3]))
    >>> scores["compound_acc"], scores["compound_mean_class_acc"], scores["n_compound"]
    (0.75, 0.8333333333333333, 4)
"""

from __future__ import annotations

import numpy as np

from affectkeras import labels


def compound_scores(compound_true, compound_pred) -> dict[str, float | int]:
    """``compound_acc``, ``compound_mean_class_acc`` and ``n_compound`` (empty if unlabelled).

    Args:
        compound_true: int [N] index in ``labels.COMPOUND_EMOTIONS``, -1 = MISSING.
        compound_pred: [N, 8] scores (argmax taken) or [N] indices.
    """
    true = np.asarray(compound_true).reshape(-1)
    pred = np.asarray(compound_pred)
    if pred.ndim == 2:
        pred = np.argmax(pred, axis=1)
    if pred.shape != true.shape:
        raise ValueError(f"compound_true has shape {true.shape}, compound_pred {pred.shape}")
    labelled = true >= 0
    if not labelled.any():
        return {}
    true, pred = true[labelled], pred[labelled]
    per_class = [np.mean(pred[true == c] == c) for c in np.unique(true)]
    return {
        "compound_acc": float(np.mean(true == pred)),
        "compound_mean_class_acc": float(np.mean(per_class)),
        "n_compound": int(labelled.sum()),
    }


def compound_targets(label_native) -> np.ndarray:
    """int64 [N]: each native label's index in ``labels.COMPOUND_EMOTIONS``, else -1."""
    lookup = {name: i for i, name in enumerate(labels.COMPOUND_EMOTIONS)}
    values = [str(v).strip().lower() for v in label_native]
    return np.array([lookup.get(v, -1) for v in values], dtype=np.int64)
