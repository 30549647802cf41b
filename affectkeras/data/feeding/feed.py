"""A ``Feed``: everything a pipeline needs to turn a sample table into batches (numpy only).

Both pipelines, tf.data (``affectkeras.data.feeding.tf_data``) and the no-TensorFlow path
(``affectkeras.data.feeding.in_memory``), are built from the same Feed: the image paths and
crop boxes of the table rows, the rows of each sample (one row, or the steps of a frame
window/sequence), the targets and sample weights of each sample, and the ``Sampler`` that orders
an epoch. That is why the two paths yield the same batches.

Example:
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.output_spec import OutputSpec
    >>> table = make_table({"path": ["/x/a.jpg", "/x/b.jpg"], "split": "train",
    ...                     "expression": [3, -1]}, "rafdb")
    >>> feed = make_feed(table, OutputSpec.create("expr"), image_size=112, shuffle=False)
    >>> feed.rows.tolist(), feed.sample_weight["expression"].tolist(), len(feed)
    ([0, 1], [1.0, 0.0], 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectkeras.data.feeding.decode import crop_box
from affectkeras.data.feeding.decode import image_size as _size
from affectkeras.data.feeding.sampling import Sampler
from affectkeras.data.feeding.targets import restrict_tasks, task_targets
from affectkeras.data.feeding.windows import Windows, window_targets
from affectkeras.output_spec import OutputSpec

BOX_COLUMNS = ("box_x", "box_y", "box_w", "box_h")


@dataclass
class Feed:
    """Per-row image sources and per-sample rows, targets, weights and order.

    Attributes:
        paths: str [N]: image file of each table row.
        boxes: int64 [N, 4]: crop box ``(x, y, w, h)`` per row; ``w = 0`` means no crop.
        rows: int64 [M] (one image per sample) or [M, s] (windows; -1 = zero padding).
        mask: bool [M, s] for windows, else None.
        y, sample_weight: task name -> per-sample targets and float32 weights.
        sampler: orders the M samples each epoch.
        image_size: ``(height, width)`` the images are resized to.
        spec: the tasks served.
        input_names: for windows, the keys of x: (pixels, mask).
    """

    paths: np.ndarray
    boxes: np.ndarray
    rows: np.ndarray
    mask: np.ndarray | None
    y: dict[str, np.ndarray]
    sample_weight: dict[str, np.ndarray]
    sampler: Sampler
    image_size: tuple[int, int]
    spec: OutputSpec
    input_names: tuple[str, str] = ("frames", "mask")

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def windowed(self) -> bool:
        return self.mask is not None

    def take(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, dict, dict]:
        """Rows, mask, targets and weights of some samples (a batch)."""
        samples = np.asarray(samples, np.int64)
        return (
            self.rows[samples],
            None if self.mask is None else self.mask[samples],
            {name: value[samples] for name, value in self.y.items()},
            {name: value[samples] for name, value in self.sample_weight.items()},
        )


def make_feed(
    table: pd.DataFrame,
    spec: OutputSpec,
    image_size: int | Sequence[int] = 112,
    sampler: Sampler | None = None,
    shuffle: bool = True,
    seed: int = 0,
    windows: Windows | None = None,
    weights: Mapping[str, np.ndarray | str] | None = None,
    dataset_spaces: Mapping[str, Sequence[str]] | None = None,
    tasks: Sequence[str] | None = None,
    input_names: tuple[str, str] = ("frames", "mask"),
) -> Feed:
    """Builds the Feed of a sample table.

    Args:
        table: a sample table (N rows).
        spec: the tasks to serve (targets keep sentinels; weights are 0 where MISSING).
        image_size: model input size, int or ``(height, width)``.
        sampler: the epoch order over samples (rows, or windows when ``windows`` is given);
            default: every sample once, shuffled with ``seed`` when ``shuffle``.
        shuffle, seed: used by the default sampler.
        windows: frame windows or sequences (``affectkeras.data.feeding.windows``) of this table.
        weights: per-task balancing weights (see ``task_targets``).
        dataset_spaces: dataset -> label spaces, for a joint (SJMT) task.
        tasks: train only these tasks (the others get weight 0), e.g. seed 000's E set.
        input_names: keys of x for windows: pixels and mask.
    """
    table = table.reset_index(drop=True)
    y, sample_weight = task_targets(table, spec, weights, dataset_spaces)
    if tasks is not None:
        sample_weight = restrict_tasks(sample_weight, [spec[t].name for t in tasks])
    if windows is None:
        rows, mask = np.arange(len(table), dtype=np.int64), None
    else:
        if len(windows) and int(windows.rows.max()) >= len(table):
            raise ValueError("windows refer to rows beyond the table; build them on this table")
        y, sample_weight = window_targets(y, sample_weight, windows, spec)
        rows, mask = windows.rows, windows.mask
    if sampler is None:
        sampler = Sampler(len(rows), shuffle=shuffle, seed=seed)
    elif sampler.num_samples > len(rows):
        raise ValueError(
            f"The sampler draws from {sampler.num_samples} samples; the feed has {len(rows)}"
        )
    boxes = np.zeros((len(table), 4), dtype=np.int64)
    if set(BOX_COLUMNS) <= set(table.columns):
        values = table[list(BOX_COLUMNS)].to_numpy(dtype=np.float64)
        for row in np.flatnonzero(np.isfinite(values).all(axis=1)):
            boxes[row] = crop_box(values[row])
    return Feed(
        paths=table["path"].to_numpy(dtype=str),
        boxes=boxes,
        rows=rows,
        mask=mask,
        y=y,
        sample_weight=sample_weight,
        sampler=sampler,
        image_size=_size(image_size),
        spec=spec,
        input_names=tuple(input_names),
    )
