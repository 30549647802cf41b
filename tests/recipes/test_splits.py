"""Validation comes from the data's own split or a subject/video-disjoint one, never frames."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras.data.table import concat_tables, make_table
from affectkeras.recipes.engine.splits import group_split, split_train_validation


def video_table(dataset="affwild2", splits=("train",) * 4):
    videos = [f"v{i}" for i, _ in enumerate(splits) for _ in range(5)]
    return make_table(
        {
            "path": [f"/{dataset}/{i}.jpg" for i in range(len(videos))],
            "split": [s for s in splits for _ in range(5)],
            "video": videos,
            "frame": list(range(1, 6)) * len(splits),
            "expression": np.arange(len(videos)) % 7,
        },
        dataset,
    )


def test_the_datasets_own_validation_split_is_used():
    table = video_table(splits=("train", "train", "validation", "test"))
    train, validation = split_train_validation(table)
    assert set(train.video) == {"v0", "v1"} and set(validation.video) == {"v2"}
    assert "test" not in set(train.split) | set(validation.split)  # test rows never used


def test_public_test_validates_when_there_is_no_validation_split():
    table = video_table("fer2013", splits=("train", "public_test", "private_test"))
    train, validation = split_train_validation(table)
    assert set(validation.split) == {"public_test"} and set(train.split) == {"train"}


def test_without_a_validation_split_whole_videos_are_held_out():
    train, validation = split_train_validation(video_table(splits=("train",) * 10), fraction=0.2)
    assert len(set(validation.video)) == 2 and not set(train.video) & set(validation.video)
    assert len(train) + len(validation) == 50


def test_subjects_group_before_videos_and_the_split_is_seeded():
    table = video_table(splits=("train",) * 6).assign(subject=["a", "a", "b"] * 10)
    _, first = group_split(table, 0.5, seed=0)
    _, again = group_split(table, 0.5, seed=0)
    assert first.path.tolist() == again.path.tolist()
    assert set(first.subject) in ({"a"}, {"b"})


def test_each_dataset_follows_its_own_rule():
    table = concat_tables(
        [video_table("affwild2", ("train", "validation")), video_table("expw", ("train",) * 5)]
    )
    _, validation = split_train_validation(table)
    assert set(validation[validation.dataset == "affwild2"].split) == {"validation"}
    held_out = validation[validation.dataset == "expw"]
    assert len(held_out) == 5 and set(held_out.split) == {"train"}  # one of five videos


def test_named_and_none_splits_and_errors():
    table = video_table(splits=("train", "train", "test"))
    train, validation = split_train_validation(table, "test")
    assert set(validation.split) == {"test"}
    train, validation = split_train_validation(table, "none")
    assert validation.empty and len(train) == 10
    with pytest.raises(ValueError, match="no row has that split"):
        split_train_validation(table, "validation")
    with pytest.raises(ValueError, match="one video group"):
        split_train_validation(video_table(splits=("train",)), "group")


def test_validation_datasets_validate_alone_and_the_others_train_on_every_train_row(caplog):
    table = concat_tables(
        [
            video_table("affwild2", splits=("train", "train", "validation")),
            video_table("expw", splits=("train",) * 5),  # no own split: held out by default
            video_table("affectnet", splits=("train", "validation")),
        ]
    )
    _, pooled_validation = split_train_validation(table)
    assert set(pooled_validation.dataset) == {"affwild2", "expw", "affectnet"}
    with caplog.at_level("INFO", logger="affectkeras.recipes"):
        train, validation = split_train_validation(table, datasets=["affwild2", "afew-va"])
    assert set(validation.dataset) == {"affwild2"} and set(validation.split) == {"validation"}
    assert (train.dataset == "expw").sum() == 25  # no hold-out taken from expw
    assert set(train[train.dataset == "affectnet"].split) == {"train"}  # its validation unused
    assert "validating on affwild2 only" in caplog.text
    # none of the named datasets in the data: every dataset validates, as without the key
    train, validation = split_train_validation(table, datasets=["sfew"])
    assert validation.path.tolist() == pooled_validation.path.tolist()
