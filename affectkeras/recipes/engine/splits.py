"""Training and validation rows of a sample table: the data's own split, or a group-disjoint one.

Frames of one video (or photos of one person) are near copies of each other, so a random frame
split would validate on the training faces and report scores no test set gives. The validation
rows therefore come, dataset by dataset, from:

1. the dataset's own ``validation`` split (Aff-Wild2 Validation sets, AffectNet, RAF-DB test
   is *not* used: test splits never train or select models), else
2. its ``public_test`` split (FER2013 PublicTest), else
3. a subject-disjoint split of its ``train`` rows (grouping by ``subject``, else ``video``,
   else the image itself for datasets with neither), holding out ``fraction`` of the groups.

Rows of the ``test``/``private_test`` splits are never used.

``datasets`` (config key ``validation_datasets``) names the datasets that validate: a recipe
whose paper selects and reports on one dataset (Aff-Wild2's validation set for seeds 000, 001,
002 and 004) validates on that one only, and the other datasets train on all their ``train``
rows (no hold-out taken from them). Their own validation rows are then left out, neither
trained on nor scored. When no named dataset is in the data, every dataset validates (logged):
a paper's choice should not leave a run on other data without validation.

Example:
    >>> from affectkeras.data.table import make_table
    >>> table = make_table({"path": [f"{i}.jpg" for i in range(8)], "split": "train",
    ...                     "subject": list("aabbccdd"), "expression": [0, 1] * 4}, "expw")
    >>> train, validation = split_train_validation(table, "auto", fraction=0.25, seed=0)
    >>> len(train), len(validation), set(train.subject) & set(validation.subject)
    (6, 2, set())
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

logger = logging.getLogger("affectkeras.recipes")

TRAIN = "train"
OWN_VALIDATION = ("validation", "public_test")
NEVER_TRAIN = ("test", "private_test")


def split_train_validation(
    table: pd.DataFrame,
    how: str = "auto",
    fraction: float = 0.2,
    seed: int = 0,
    datasets: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, validation)`` tables (see the module doc for the rules).

    Args:
        table: a sample table with ``split`` (and, for group splits, ``subject``/``video``).
        how: ``auto``, ``group``, ``none`` or a split name to validate on.
        fraction: share of groups a group split holds out.
        seed: the group split's seed.
        datasets: the datasets that validate (empty: all; see the module doc).

    Raises:
        ValueError: no training rows, or a named split that no row has.
    """
    parts_train, parts_validation = [], []
    validating = validating_datasets(table, datasets)
    for dataset, rows in table.groupby("dataset", sort=False):
        train = rows[rows["split"] == TRAIN]
        if how == "none" or dataset not in validating:
            validation = rows.iloc[:0]
        elif how == "group":
            train, validation = group_split(train, fraction, seed)
        elif how == "auto":
            present = [s for s in OWN_VALIDATION if (rows["split"] == s).any()]
            if present:
                validation = rows[rows["split"] == present[0]]
            else:
                train, validation = group_split(train, fraction, seed)
                logger.info(
                    "%s has no validation split: holding out %d of its train rows by %s",
                    dataset,
                    len(validation),
                    group_column(train),
                )
        else:
            validation = rows[rows["split"] == how]
        parts_train.append(train)
        parts_validation.append(validation)
    train = pd.concat(parts_train) if parts_train else table.iloc[:0]
    validation = pd.concat(parts_validation) if parts_validation else table.iloc[:0]
    if how not in ("auto", "group", "none") and validation.empty:
        splits = sorted(table["split"].astype(str).unique())
        raise ValueError(f"validation_split={how!r}: no row has that split; the data has {splits}")
    if train.empty:
        splits = sorted(table["split"].astype(str).unique())
        raise ValueError(f"No training rows (split 'train'); the data has splits {splits}")
    return train, validation


def validating_datasets(table: pd.DataFrame, datasets: Sequence[str]) -> set[str]:
    """The datasets of ``table`` that give validation rows (see the module doc)."""
    present = set(table["dataset"].astype(str).unique())
    named = set(datasets) & present
    if datasets and not named:
        logger.info(
            "validation_datasets=%s: none of them is in the data (%s); every dataset validates",
            ",".join(datasets),
            ", ".join(sorted(present)),
        )
    elif datasets and present - named:
        logger.info(
            "validating on %s only (validation_datasets); %s train on all their train rows",
            ", ".join(sorted(named)),
            ", ".join(sorted(present - named)),
        )
    return named or present


def group_column(table: pd.DataFrame) -> str:
    """The column whose values group near-duplicate rows: subject, else video, else path."""
    for column in ("subject", "video"):
        if column in table.columns and (table[column].astype(str).str.len() > 0).any():
            return column
    return "path"


def group_split(
    table: pd.DataFrame, fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Holds out ``fraction`` of the groups (at least one, at most all but one)."""
    if table.empty:
        return table, table
    column = group_column(table)
    keys = table[column].astype(str).to_numpy()
    if column != "path":
        # rows without a subject/video each form their own group
        keys = np.where(keys == "", table["path"].astype(str).to_numpy(), keys)
    groups = np.unique(keys)
    if len(groups) < 2:
        raise ValueError(
            f"Cannot hold out a validation set: the training rows form one {column} group; "
            "give validation_data or validation_split=none"
        )
    rng = np.random.default_rng([int(seed), 7])
    held = max(1, min(len(groups) - 1, round(fraction * len(groups))))
    chosen = set(rng.permutation(groups)[:held])
    mask = np.isin(keys, list(chosen))
    return table[~mask], table[mask]
