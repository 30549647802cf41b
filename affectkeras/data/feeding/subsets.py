"""Task subsets of a sample table: seed 000's E, A, B sets and per-dataset label spaces.

Seed 000 (Algorithm 1) trains each epoch on three sets in turn: E (images labelled with an
expression only; expression loss), A (images labelled with action units only; AU loss) and B
(images labelled with both; both losses). Seed 002 does the same with expressions and
valence/arousal (its *Mixed EXPR*, *Mixed VA* and *Affect EXPR_VA* sets). ``task_subsets``
returns the row indices of the three sets for any two tasks; ``Sampler.blocks`` in
``affectkeras.data.feeding.sampling`` turns them into an epoch of pure batches.

Seed 003 (SJMT) instead needs to know which label spaces each dataset is annotated for
(``infer_dataset_spaces``); ``affectkeras.data.feeding.targets.joint_targets`` uses that to mark
every unit outside the sample's label set as MISSING.

Example:
    >>> from affectkeras.data.table import make_table
    >>> table = make_table(
    ...     {"path": list("abcd"), "split": "train", "expression": [1, -1, 2, -1],
    ...      "AU1": [-1, 1, 0, -1]}, "affwild2"
    ... )
    >>> {name: rows.tolist() for name, rows in task_subsets(table).items()}
    {'E': [0], 'A': [1], 'B': [2]}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.output_spec import OutputSpec


def labelled_rows(table: pd.DataFrame, task: str) -> np.ndarray:
    """[N] bool: rows with a label for ``task`` (a name or key: ``expr``, ``au``, ``va``)."""
    spec = OutputSpec.create([task], num_classes=8)
    return spec.tasks[0].sample_labelled(spec.tasks[0].targets(table))


def task_subsets(
    table: pd.DataFrame, first: str = "expression", second: str = "action_units"
) -> dict[str, np.ndarray]:
    """Row indices of seed 000's three sets for two tasks (default: expression and AUs).

    Args:
        table: a sample table.
        first, second: task names or keys; seed 002 uses ``"expression", "valence_arousal"``.

    Returns:
        ``{"E": rows labelled for ``first`` only, "A": for ``second`` only, "B": for both}``;
        int64 index arrays in table order (rows labelled for neither are in no set). E, A and B
        are disjoint, so each image is seen once per epoch, as in Algorithm 1.
    """
    has_first = labelled_rows(table, first)
    has_second = labelled_rows(table, second)
    return {
        "E": np.flatnonzero(has_first & ~has_second),
        "A": np.flatnonzero(has_second & ~has_first),
        "B": np.flatnonzero(has_first & has_second),
    }


def subset_tasks(first: str = "expression", second: str = "action_units") -> dict[str, list]:
    """The task names each of E, A, B trains (use with ``targets.restrict_tasks``).

    Example:
        >>> subset_tasks()["B"]
        ['expression', 'action_units']
    """
    a = OutputSpec.create([first], num_classes=8).names[0]
    b = OutputSpec.create([second], num_classes=8).names[0]
    return {"E": [a], "A": [b], "B": [a, b]}


def infer_dataset_spaces(
    table: pd.DataFrame, spaces: Sequence[labels.LabelSpace]
) -> dict[str, list[str]]:
    """Which of ``spaces`` each dataset of the table labels (at least one row labelled).

    A multiclass space of canonical expressions is labelled by the ``expression`` column (any
    row with an index inside the space); other multiclass spaces by ``label_native`` values in
    the space; multilabel spaces by their 0/1/-1 columns (absent columns: not labelled). Pass
    an explicit mapping to ``joint_targets`` instead when this guess is not what you want.

    Example:
        >>> from affectkeras.data.table import make_table, concat_tables
        >>> t = concat_tables([
        ...     make_table({"path": ["a"], "split": "train", "expression": [3]}, "sfew"),
        ...     make_table({"path": ["b"], "split": "train", "AU1": [1]}, "emotionet"),
        ... ])
        >>> infer_dataset_spaces(t, [labels.EXPRESSION_7, labels.AU_12])
        {'emotionet': ['au12'], 'sfew': ['expression7']}
    """
    labels.check_unique_names(spaces)
    result: dict[str, list[str]] = {}
    for dataset, rows in table.groupby("dataset", sort=True):
        owned = [space.name for space in spaces if _labels_space(rows, space)]
        if owned:
            result[str(dataset)] = owned
    return result


def _labels_space(rows: pd.DataFrame, space: labels.LabelSpace) -> bool:
    if space.kind == "multilabel":
        if not set(space.names) <= set(rows.columns):
            return False
        return bool((rows[list(space.names)].to_numpy() != labels.MISSING_AU).any())
    if space.names == labels.EXPRESSIONS[: space.size]:
        expression = rows["expression"].to_numpy()
        return bool(((expression >= 0) & (expression < space.size)).any())
    native = rows["label_native"].astype(str).str.strip().str.lower()
    return bool(native.isin(space.names).any())
