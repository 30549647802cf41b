"""Still-image sets: expression-only, AU-only and compound, split by subject, written two ways."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectkeras import labels
from affectkeras.data.synthetic import make_stills, write_stills
from affectkeras.data.synthetic.stills import CSV_COLUMNS


def test_expression_set_is_balanced_and_labels_only_expressions():
    images, table = make_stills("expression", 70, seed=1, size=48)
    assert images.shape == (70, 48, 48, 3)
    assert np.bincount(table["expression"], minlength=7).tolist() == [10] * 7
    assert (table[list(labels.ACTION_UNITS)] == -1).all().all()
    assert (table[["valence", "arousal"]] == -5).all().all()
    names = [labels.EXPRESSIONS[i] for i in table["expression"]]
    assert names == table["label_native"].tolist()


def test_au_set_labels_only_aus_in_grayscale():
    images, table = make_stills("au", 40, seed=1, size=48)
    assert (table["expression"] == -1).all()
    aus = table[list(labels.ACTION_UNITS)].to_numpy()
    assert set(np.unique(aus)) <= {0, 1} and aus.any(axis=0).sum() >= 10
    assert np.array_equal(images[..., 0], images[..., 2])  # the "lab" style is grayscale


def test_compound_set_draws_the_union_of_the_two_prototypes():
    images, table = make_stills("compound", 16, seed=2, size=112)
    assert table["label_native"].tolist()[:8] == list(labels.COMPOUND_EMOTIONS)
    assert table["compound"].tolist()[:8] == list(range(8))
    assert (table["expression"] == -1).all()
    # Happily surprised shows the mouth of surprise and the cheeks of happiness: it differs
    # from both of its components' pictures.
    assert len({images[i].tobytes() for i in range(16)}) == 16


def test_splits_hold_disjoint_subjects():
    _, table = make_stills("expression", 100, seed=0, size=32)
    train = set(table.loc[table.split == "train", "subject"])
    validation = set(table.loc[table.split == "validation", "subject"])
    assert train and validation and not train & validation
    assert 0.1 < len(validation) / (len(train) + len(validation)) < 0.3


def test_make_stills_is_deterministic():
    a, table_a = make_stills("au", 12, seed=4, size=32)
    b, table_b = make_stills("au", 12, seed=4, size=32)
    np.testing.assert_array_equal(a, b)
    pd.testing.assert_frame_equal(table_a, table_b)


def test_write_folders_and_csv(tmp_path):
    table = write_stills(tmp_path / "f", "compound", 16, size=32, progress=False)
    for path, name, split in zip(table.path, table.label_native, table.split, strict=True):
        assert (tmp_path / "f" / path).is_file() and path.startswith(f"{split}/{name}/")
    written = pd.read_csv(tmp_path / "f" / "labels.csv", keep_default_na=False)
    assert list(written.columns) == [*CSV_COLUMNS, "compound"]
    assert written["path"].tolist() == table["path"].tolist()
    table = write_stills(tmp_path / "c", "au", 10, size=32, layout="csv", progress=False)
    written = pd.read_csv(tmp_path / "c" / "labels.csv", keep_default_na=False)
    assert list(written.columns) == list(CSV_COLUMNS)
    np.testing.assert_array_equal(
        written[list(labels.ACTION_UNITS)], table[list(labels.ACTION_UNITS)]
    )
    assert all((tmp_path / "c" / p).is_file() for p in written["path"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "au", "layout": "folders"}, "no class"),
        ({"kind": "smiles"}, "kind"),
        ({"kind": "expression", "style": "oil"}, "style"),
        ({"kind": "expression", "layout": "zip"}, "layout"),
        ({"kind": "expression", "count": 1}, "count"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        write_stills(tmp_path / "x", **{"count": 4, "size": 32, "progress": False, **kwargs})
