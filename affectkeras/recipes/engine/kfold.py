"""K-fold training over train + validation: seed 000's test protocol.

Phan et al. (seed 000, Sec. 3.2) submit test predictions from models trained with K-fold
cross-validation over the training and validation sets merged ("we combine the training and
validation dataset into one dataset and use K-Fold validation to get the final prediction").
:func:`fold_tables` gives fold ``k``'s tables: every row of the run's training and validation
tables, grouped by subject (else video, else image, as ``engine.splits`` groups them, so the
frames of one video never sit on both sides), the groups dealt into ``folds`` folds with the
seed; fold ``k`` is the validation table, the other folds the training table.

Example:
    >>> import pandas as pd
    >>> from affectkeras.data.table import make_table
    >>> from affectkeras.recipes.engine.inputs import RunTables
    >>> table = make_table({"path": [f"{v}/{i}.jpg" for v in "abcd" for i in range(2)],
    ...                     "split": "train", "video": [v for v in "abcd" for _ in range(2)],
    ...                     "expression": [0] * 8}, "affwild2")
    >>> tables = RunTables(table[:6], table[6:], 8, 8, {"affwild2": 8})
    >>> folds = [fold_tables(tables, 2, k, seed=0) for k in (1, 2)]
    >>> [sorted(set(f.validation.video)) for f in folds]  # each video in one fold only
    [['a', 'b'], ['c', 'd']]
    >>> sorted(pd.concat([f.validation for f in folds]).path) == sorted(table.path)
    True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from affectkeras.data.table import concat_tables
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.engine.splits import group_column


def fold_of_rows(table: pd.DataFrame, folds: int, seed: int) -> np.ndarray:
    """int [N]: the fold (1..folds) of each row; all rows of a group share one fold.

    Raises:
        ValueError: fewer groups than folds.
    """
    column = group_column(table)
    keys = table[column].astype(str).to_numpy()
    if column != "path":
        keys = np.where(keys == "", table["path"].astype(str).to_numpy(), keys)
    groups = np.unique(keys)
    if len(groups) < folds:
        raise ValueError(
            f"folds={folds}: train + validation hold only {len(groups)} {column} groups; "
            "use fewer folds"
        )
    order = np.random.default_rng([int(seed), 11]).permutation(groups)
    fold = {group: 1 + position % folds for position, group in enumerate(order)}
    return np.array([fold[key] for key in keys], np.int64)


def fold_tables(tables: RunTables, folds: int, fold: int, seed: int) -> RunTables:
    """Fold ``fold`` (1-based) of train + validation as ``(train, validation)`` tables."""
    if not 1 <= fold <= folds:
        raise ValueError(f"fold={fold}: choose 1..{folds}")
    merged = concat_tables([tables.train, tables.validation])
    held = fold_of_rows(merged, folds, seed) == fold
    train = merged[~held].reset_index(drop=True)
    validation = merged[held].reset_index(drop=True)
    # both folds mix the two splits: score them in the larger expression space of the two
    classes = max(tables.num_classes, tables.validation_classes)
    return RunTables(train, validation, classes, classes, dict(tables.dataset_classes))
