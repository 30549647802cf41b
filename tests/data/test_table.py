"""The sample table: canonical columns, defaults, dtypes, concatenation and summaries."""

from __future__ import annotations

import numpy as np
import pytest

from affectkeras import labels
from affectkeras.data.table import COLUMNS, concat_tables, expression_classes, make_table, summarize

SPEC_COLUMNS = [
    "path",
    "dataset",
    "split",
    "subject",
    "video",
    "frame",
    "face",
    "box_x",
    "box_y",
    "box_w",
    "box_h",
    "expression",
    "AU1",
    "AU2",
    "AU4",
    "AU6",
    "AU7",
    "AU10",
    "AU12",
    "AU15",
    "AU23",
    "AU24",
    "AU25",
    "AU26",
    "valence",
    "arousal",
    "label_native",
]


def test_columns_are_specs_in_order():
    assert list(COLUMNS) == SPEC_COLUMNS


def test_absent_columns_get_missing_sentinels_and_still_image_defaults():
    table = make_table({"path": ["/a.jpg"], "split": ["train"], "extra": [3]}, "x")
    row = table.iloc[0]
    assert list(table.columns) == [*SPEC_COLUMNS, "extra"]
    assert (row.dataset, row.subject, row.video, row.frame, row.face) == ("x", "", "", -1, 0)
    assert np.isnan(row[["box_x", "box_y", "box_w", "box_h"]].to_numpy(float)).all()
    assert row.expression == -1 and (row[list(labels.ACTION_UNITS)] == -1).all()
    assert row.valence == row.arousal == -5.0 and row.label_native == ""
    assert table["AU1"].dtype == np.int8 and table["expression"].dtype == np.int64


def test_wrong_column_length_is_an_error():
    with pytest.raises(ValueError, match="'expression' has 1 values for 2 rows"):
        make_table({"path": ["a", "b"], "split": "train", "expression": [1]}, "x")


def test_class_count_is_inferred_then_taken_from_attrs():
    seven = make_table({"path": ["a"], "split": "train", "expression": [6]}, "x")
    eight = make_table({"path": ["a"], "split": "train", "expression": [7]}, "x")
    assert expression_classes(seven) == 7 and expression_classes(eight) == 8
    declared = make_table({"path": ["a"], "split": "train", "expression": [1]}, "x", 8)
    assert expression_classes(declared) == 8


def test_concat_takes_the_larger_space_and_adds_skips():
    a = make_table({"path": ["a"], "split": "train", "expression": [1]}, "fer2013", 7)
    b = make_table({"path": ["b"], "split": "train", "expression": [7]}, "affwild2", 8)
    a.attrs.update(skipped=2, skipped_by_reason={"missing_image": 2})
    b.attrs.update(skipped=1, skipped_by_reason={"missing_image": 1})
    both = concat_tables([a, b])
    assert both["dataset"].tolist() == ["fer2013", "affwild2"]
    assert both.attrs["expression_classes"] == 8
    assert both.attrs["skipped"] == 3 and both.attrs["skipped_by_reason"] == {"missing_image": 3}


def test_concat_fills_extra_au_columns_with_missing_not_nan():
    emotionet = make_table({"path": ["a", "b"], "split": "train", "AU5": [1, 0]}, "emotionet")
    sfew = make_table({"path": ["c"], "split": "train", "note": ["x"]}, "sfew")
    both = concat_tables([emotionet, sfew])
    assert both["AU5"].tolist() == [1, 0, labels.MISSING_AU]
    assert both["AU5"].dtype == np.int8
    assert both["note"].isna().tolist() == [True, True, False]  # other extras are left alone


def test_summary_counts_match_numpy_counts():
    rng = np.random.default_rng(1)
    n = 200
    expression = rng.integers(-1, 8, n)
    aus = rng.integers(-1, 2, (n, 12))
    va = np.where(rng.uniform(size=(n, 1)) < 0.3, -5.0, rng.uniform(-1, 1, (n, 2)))
    va[:10, 1] = -5.0  # valence without arousal: not a VA-labelled sample
    split = rng.choice(["train", "validation"], n)
    columns = {"path": [f"{i}.jpg" for i in range(n)], "split": split, "expression": expression}
    columns |= {au: aus[:, i] for i, au in enumerate(labels.ACTION_UNITS)}
    columns |= {"valence": va[:, 0], "arousal": va[:, 1]}
    summary = summarize(make_table(columns, "affwild2"))
    assert summary["rows"] == n
    assert summary["by_dataset_split"] == {
        "affwild2/train": int((split == "train").sum()),
        "affwild2/validation": int((split == "validation").sum()),
    }
    assert summary["expression"]["labelled"] == int((expression >= 0).sum())
    assert summary["expression"]["other"] == int((expression == 7).sum())
    assert summary["action_units"]["AU12"] == {
        "positive": int((aus[:, 6] == 1).sum()),
        "labelled": int((aus[:, 6] >= 0).sum()),
    }
    assert summary["n_au"] == int((aus >= 0).any(axis=1).sum())
    assert summary["n_va"] == int(((va[:, 0] != -5) & (va[:, 1] != -5)).sum())
