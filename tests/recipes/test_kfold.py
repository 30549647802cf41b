"""K-fold tables over train + validation (seed 000's test protocol)."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.data.table import make_table
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.engine.kfold import fold_of_rows, fold_tables


def video_table(videos: int, frames: int = 3, split: str = "train"):
    names = [f"{split}{v}" for v in range(videos) for _ in range(frames)]
    paths = [f"/x/{name}/{i}.jpg" for i, name in enumerate(names)]
    return make_table(
        {"path": paths, "split": split, "video": names, "expression": [0] * len(names)},
        "affwild2",
    )


def test_every_group_lands_in_one_fold_and_folds_are_balanced():
    table = video_table(10)
    fold = fold_of_rows(table, folds=3, seed=4)
    for _, rows in table.groupby("video").indices.items():
        assert len(set(fold[rows])) == 1
    per_fold = np.bincount(fold)[1:] // 3  # videos per fold
    assert sorted(per_fold.tolist()) == [3, 3, 4]
    np.testing.assert_array_equal(fold, fold_of_rows(table, folds=3, seed=4))  # reproducible
    assert not np.array_equal(fold, fold_of_rows(table, folds=3, seed=5))


def test_fold_tables_merge_both_splits_and_refuse_too_many_folds():
    tables = RunTables(video_table(4), video_table(2, split="validation"), 8, 7, {"affwild2": 8})
    held = [fold_tables(tables, 3, k, seed=0) for k in (1, 2, 3)]
    assert sum(len(f.validation) for f in held) == 18
    assert all(len(f.train) + len(f.validation) == 18 for f in held)
    assert {f.num_classes for f in held} == {8}
    with pytest.raises(ValueError, match="only 6 video groups"):
        fold_tables(tables, 7, 1, seed=0)
    with pytest.raises(ValueError, match="fold=4"):
        fold_tables(tables, 3, 4, seed=0)
