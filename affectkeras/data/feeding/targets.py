"""Targets and per-task sample weights from a sample table (numpy; shared by every pipeline).

The pipelines yield ``(x, y, sample_weight)`` with ``y = {task name: target}`` and
``sample_weight = {task name: float32 [N]}``. Targets keep their MISSING sentinels (the losses
mask them); a sample's weight for a task is 0 when it has no label for that task, else its
balancing weight (1 by default):

=================  ===================  ===============================================
task               target               weight is 0 when
=================  ===================  ===============================================
expression         int32 [N] (-1)       the expression is -1
action_units       float32 [N, 12] (-1)  every AU is -1 (each AU is also masked alone)
valence_arousal    float32 [N, 2] (-5)   valence or arousal is -5 (masked per element)
joint (SJMT)       float32 [N, U] (-1)   no unit of the sample's label sets is labelled
=================  ===================  ===============================================

Example:
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.output_spec import OutputSpec
    >>> table = make_table(
    ...     {"path": ["a.jpg", "b.jpg"], "split": "train", "expression": [4, -1]}, "affwild2"
    ... )
    >>> y, w = task_targets(table, OutputSpec.create("expr,au"))
    >>> y["expression"].tolist(), w["expression"].tolist(), w["action_units"].tolist()
    ([4, -1], [1.0, 0.0], [0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.output_spec import OutputSpec, TaskSpec


def task_targets(
    table: pd.DataFrame,
    spec: OutputSpec,
    weights: Mapping[str, np.ndarray | str] | None = None,
    dataset_spaces: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every task's targets (sentinels kept) and sample weights (0 where MISSING).

    Args:
        table: a sample table (``affectkeras.data.read``), N rows.
        spec: the tasks to serve.
        weights: optional task name -> float [N] balancing weights, or ``"balanced"`` for
            inverse class frequency (``class_balance_weights``; expression only). The weight
            of a sample without a label for the task stays 0.
        dataset_spaces: for a joint (SJMT) task, dataset name -> the names of the label spaces
            that dataset labels (``affectkeras.data.feeding.subsets.infer_dataset_spaces``).

    Returns:
        ``(y, sample_weight)``: dicts keyed by task name; targets int32 [N] (multiclass) or
        float32 [N, size]; weights float32 [N].
    """
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(spec.names))
    if unknown:
        raise ValueError(f"weights given for {unknown}, which are not tasks of {spec.names}")
    y: dict[str, np.ndarray] = {}
    sample_weight: dict[str, np.ndarray] = {}
    for task in spec:
        if task.is_joint:
            if dataset_spaces is None:
                raise ValueError(
                    f"Joint task {task.name!r} needs dataset_spaces (dataset -> label spaces)"
                )
            target = joint_targets(table, task, dataset_spaces)
        else:
            target = task.targets(table)
            target = target.astype(np.int32 if task.kind == "multiclass" else np.float32)
        labelled = task.sample_labelled(target).astype(np.float32)
        balance = weights.get(task.name)
        if isinstance(balance, str):
            if balance != "balanced" or task.kind != "multiclass":
                raise ValueError(
                    f"weights[{task.name!r}] = {balance!r}: only 'balanced' on a multiclass "
                    "task is understood (or pass a float array)"
                )
            balance = class_balance_weights(target, task.size)
        if balance is not None:
            balance = np.asarray(balance, dtype=np.float32)
            if balance.shape != labelled.shape:
                raise ValueError(
                    f"weights[{task.name!r}] has shape {balance.shape}, expected {labelled.shape}"
                )
            labelled = labelled * balance
        y[task.name] = target
        sample_weight[task.name] = labelled
    return y, sample_weight


def class_balance_weights(target: np.ndarray, num_classes: int, power: float = 1.0) -> np.ndarray:
    """Inverse class-frequency weights, ``(n / (C * n_c)) ** power``, 0 for MISSING rows.

    With ``power=1`` every present class carries the same total weight and the mean weight
    over labelled samples is 1.

    Example:
        >>> class_balance_weights(np.array([0, 0, 0, 1, -1]), 2).tolist()
        [0.6666666865348816, 0.6666666865348816, 0.6666666865348816, 2.0, 0.0]
    """
    target = np.asarray(target)
    labelled = target >= 0
    counts = np.bincount(target[labelled], minlength=num_classes).astype(np.float64)
    present = counts > 0
    per_class = np.zeros(num_classes)
    per_class[present] = (labelled.sum() / (present.sum() * counts[present])) ** power
    out = np.zeros(len(target), dtype=np.float32)
    out[labelled] = per_class[target[labelled]]
    return out


def joint_targets(
    table: pd.DataFrame, task: TaskSpec, dataset_spaces: Mapping[str, Sequence[str]]
) -> np.ndarray:
    """Seed 003's SJMT target over the union label space: float32 [N, U], -1 outside L^k.

    Each row gets 0/1 on the units of the label spaces its dataset (column ``dataset``) is
    annotated for, and -1 (MISSING) everywhere else, so the selective loss of seed 003 (Eq. 1)
    only sums over the sample's own label set L^k. A label space's units are read as:

    - multiclass spaces whose names are canonical expressions (``expression7``/``8``): one-hot
      of the ``expression`` column; a MISSING expression leaves the whole segment at -1;
    - other multiclass spaces (``compound``, ``ckplus_expression``): one-hot of
      ``label_native`` (lower case); a native label outside the space leaves the segment -1;
    - multilabel spaces (``au12``, ``emotionet_au``): the 0/1/-1 columns named after the labels
      (``AU1``, ``AU5`` ...); a space whose columns the table lacks is an error.

    Example:
        >>> from affectkeras.data.table import make_table
        >>> from affectkeras.output_spec import OutputSpec
        >>> spec = OutputSpec.joint([labels.EXPRESSION_7, labels.COMPOUND])
        >>> table = make_table(
        ...     {"path": ["a", "b"], "split": "train", "dataset": ["sfew", "emotionet"],
        ...      "expression": [4, -1], "label_native": ["happy", "sadly_angry"]}, "x"
        ... )
        >>> y = joint_targets(table, spec["joint"],
        ...                   {"sfew": ["expression7"], "emotionet": ["compound"]})
        >>> y[0].tolist()
        [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0]
        >>> y[1, 7:].tolist()
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    """
    if not task.is_joint:
        raise ValueError(f"Task {task.name!r} is not a joint task (it has no segments)")
    unknown = sorted({s for spaces in dataset_spaces.values() for s in spaces} - set(task.segments))
    if unknown:
        raise ValueError(
            f"dataset_spaces names label spaces {unknown} that task {task.name!r} lacks; "
            f"it has {list(task.segments)}"
        )
    n = len(table)
    target = np.full((n, task.size), labels.MISSING_AU, dtype=np.float32)
    datasets = table["dataset"].to_numpy(dtype=str)
    for space, (start, stop) in task.segments.items():
        owners = [d for d, spaces in dataset_spaces.items() if space in spaces]
        rows = np.isin(datasets, owners)
        if not rows.any():
            continue
        names = [unit.split("/", 1)[1] for unit in task.label_names[start:stop]]
        target[rows, start:stop] = _space_values(
            table.loc[rows], names, task.segment_kinds[space], space
        )
    return target


def _space_values(rows: pd.DataFrame, names: list[str], kind: str, space: str) -> np.ndarray:
    """0/1/-1 values of one label space's units for some rows."""
    out = np.full((len(rows), len(names)), labels.MISSING_AU, dtype=np.float32)
    if kind == "multilabel":
        absent = [name for name in names if name not in rows.columns]
        if absent:
            raise ValueError(f"Label space {space!r} needs table columns {absent}")
        return rows[names].to_numpy(dtype=np.float32)
    if tuple(names) == labels.EXPRESSIONS[: len(names)]:
        index = rows["expression"].to_numpy(dtype=np.int64)
        index = np.where(index < len(names), index, -1)
    else:
        lookup = {name: i for i, name in enumerate(names)}
        native = rows["label_native"].astype(str).str.strip().str.lower()
        index = np.array([lookup.get(value, -1) for value in native], dtype=np.int64)
    labelled = index >= 0
    out[labelled] = 0.0
    out[np.flatnonzero(labelled), index[labelled]] = 1.0
    return out


def restrict_tasks(sample_weight: Mapping[str, np.ndarray], tasks: Sequence[str]) -> dict:
    """Zeroes the weights of every task not in ``tasks`` (seed 000: the E set trains only EXPR).

    Example:
        >>> w = restrict_tasks({"expression": np.ones(2), "action_units": np.ones(2)},
        ...                    ["expression"])
        >>> w["action_units"].tolist()
        [0.0, 0.0]
    """
    unknown = sorted(set(tasks) - set(sample_weight))
    if unknown:
        raise ValueError(f"restrict_tasks: unknown tasks {unknown}; have {list(sample_weight)}")
    return {
        name: (np.asarray(w, np.float32) if name in tasks else np.zeros_like(w, np.float32))
        for name, w in sample_weight.items()
    }
