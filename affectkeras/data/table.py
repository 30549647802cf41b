"""The sample table: one row per image (per face), every task's canonical labels in that row.

Columns (../shared/SPEC.md, "Data specs"), in this order, then any reader-specific extras:

- ``path`` (absolute), ``dataset``, ``split``, ``subject`` ("" when unknown), ``video`` ("" for
  still images) and ``frame`` (1-based; -1 for still images), ``face`` (0 unless an image has
  several), ``box_x, box_y, box_w, box_h`` (crop box in the image; NaN when already cropped),
- ``expression`` (canonical index or -1), ``AU1 ... AU26`` (0/1/-1 each), ``valence``,
  ``arousal`` (-5 when missing), ``label_native`` (the dataset's own label, lower case).

``table.attrs`` carries ``expression_classes`` (7 or 8: the data's expression space),
``skipped`` (rows dropped, total), ``skipped_by_reason`` and ``skipped_examples``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from affectkeras import labels

ID_COLUMNS: tuple[str, ...] = (
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
)
LABEL_COLUMNS: tuple[str, ...] = ("expression", *labels.ACTION_UNITS, *labels.VALENCE_AROUSAL)
COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *LABEL_COLUMNS, "label_native")

_EXTRA_AU = re.compile(r"^AU\d+$")
_STRING_COLUMNS = ("path", "dataset", "split", "subject", "video", "label_native")
_DEFAULTS: dict[str, Any] = {
    "subject": "",
    "video": "",
    "frame": -1,
    "face": 0,
    "box_x": np.nan,
    "box_y": np.nan,
    "box_w": np.nan,
    "box_h": np.nan,
    "expression": labels.MISSING_EXPRESSION,
    **{au: labels.MISSING_AU for au in labels.ACTION_UNITS},
    "valence": labels.MISSING_VA,
    "arousal": labels.MISSING_VA,
    "label_native": "",
}
_DTYPES: dict[str, Any] = {
    "frame": np.int64,
    "face": np.int64,
    "box_x": np.float64,
    "box_y": np.float64,
    "box_w": np.float64,
    "box_h": np.float64,
    "expression": np.int64,
    **{au: np.int8 for au in labels.ACTION_UNITS},
    "valence": np.float64,
    "arousal": np.float64,
}


def make_table(
    columns: Mapping[str, Any], dataset: str, expression_classes: int | None = None
) -> pd.DataFrame:
    """Builds a sample table from column arrays, filling every absent column with its default.

    Args:
        columns: column name -> array or scalar. ``path`` and ``split`` are required.
        dataset: the dataset name written into every row.
        expression_classes: the data's expression space (7 or 8); default: 8 when any row is
            ``other`` (index 7), else 7.

    Returns:
        A DataFrame with ``COLUMNS`` first (canonical dtypes), then the extra columns given.
    """
    for required in ("path", "split"):
        if required not in columns:
            raise ValueError(f"make_table needs a {required!r} column")
    n = len(columns["path"])
    data: dict[str, Any] = {}
    for name in COLUMNS:
        if name == "dataset":
            value = columns.get("dataset", dataset)
        else:
            value = columns.get(name, _DEFAULTS.get(name))
        data[name] = _column(value, n, name)
    for name, value in columns.items():
        if name not in data:
            data[name] = _column(value, n, name)
    table = pd.DataFrame(data)
    for name, dtype in _DTYPES.items():
        table[name] = table[name].astype(dtype)
    for name in _STRING_COLUMNS:
        table[name] = table[name].astype(str)
    table.attrs["expression_classes"] = (
        expression_classes if expression_classes is not None else _infer_classes(table)
    )
    return table


def _column(value: Any, n: int, name: str) -> Any:
    if np.ndim(value) == 0:
        return [value] * n
    if len(value) != n:
        raise ValueError(f"make_table: column {name!r} has {len(value)} values for {n} rows")
    return value


def empty_table(dataset: str, expression_classes: int = 7) -> pd.DataFrame:
    """A table with the canonical columns and no rows."""
    return make_table({"path": [], "split": []}, dataset, expression_classes)


def _infer_classes(table: pd.DataFrame) -> int:
    return 8 if (table["expression"].to_numpy() == labels.EXPRESSIONS.index("other")).any() else 7


def expression_classes(table: pd.DataFrame) -> int:
    """The table's expression space: ``attrs["expression_classes"]``, else inferred (7 or 8)."""
    classes = table.attrs.get("expression_classes")
    return int(classes) if classes in labels.EXPRESSION_CLASS_COUNTS else _infer_classes(table)


def concat_tables(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenates sample tables, keeping the canonical column order and merging attrs.

    The expression space of the result is the largest of the inputs' (a 7-class set joined with
    an 8-class set is 8-class data); skip counts add up.
    """
    if not tables:
        raise ValueError("concat_tables needs at least one table")
    result = pd.concat(list(tables), ignore_index=True, sort=False)
    extras = [c for c in result.columns if c not in COLUMNS]
    result = result[[*COLUMNS, *extras]]
    for name in extras:
        # An AU outside the canonical 12 (EmotioNet's AU5, CK+'s AU17...) is not labelled in
        # the tables that lack its column: MISSING there, not NaN, so union label spaces work.
        if _EXTRA_AU.match(name) and result[name].isna().any():
            result[name] = result[name].fillna(labels.MISSING_AU).astype(np.int8)
    attrs: dict[str, Any] = {
        "expression_classes": max(expression_classes(t) for t in tables),
        "skipped": sum(int(t.attrs.get("skipped", 0)) for t in tables),
        "skipped_by_reason": {},
        "skipped_examples": {},
    }
    for table in tables:
        for reason, count in table.attrs.get("skipped_by_reason", {}).items():
            attrs["skipped_by_reason"][reason] = attrs["skipped_by_reason"].get(reason, 0) + count
        for reason, paths in table.attrs.get("skipped_examples", {}).items():
            attrs["skipped_examples"].setdefault(reason, []).extend(paths)
    result.attrs = attrs
    return result


def summarize(table: pd.DataFrame) -> dict[str, Any]:
    """Counts per dataset and split, per expression class, per AU, and labelled VA.

    Returns:
        A JSON-ready dict: ``rows``, ``by_dataset_split`` ("dataset/split" -> rows),
        ``expression`` (canonical name -> count, plus ``labelled``), ``action_units`` (AU ->
        ``{"positive", "labelled"}``), ``n_au`` (rows with any labelled AU), ``n_va`` and
        ``skipped``.
    """
    classes = expression_classes(table)
    names = labels.expression_names(classes)
    expression = table["expression"].to_numpy()
    au = table[list(labels.ACTION_UNITS)].to_numpy()
    va = table[list(labels.VALENCE_AROUSAL)].to_numpy()
    by_group = table.groupby(["dataset", "split"], sort=True).size()
    return {
        "rows": len(table),
        "expression_classes": classes,
        "by_dataset_split": {f"{d}/{s}": int(n) for (d, s), n in by_group.items()},
        "expression": {
            "labelled": int((expression != labels.MISSING_EXPRESSION).sum()),
            **{name: int((expression == i).sum()) for i, name in enumerate(names)},
        },
        "action_units": {
            name: {
                "positive": int((au[:, i] == 1).sum()),
                "labelled": int((au[:, i] != labels.MISSING_AU).sum()),
            }
            for i, name in enumerate(labels.ACTION_UNITS)
        },
        "n_au": int((au != labels.MISSING_AU).any(axis=1).sum()),
        "n_va": int((va != labels.MISSING_VA).all(axis=1).sum()),
        "skipped": int(table.attrs.get("skipped", 0)),
        "skipped_by_reason": dict(table.attrs.get("skipped_by_reason", {})),
    }


def labelled_expression_va(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """bool [N] rows with an expression label and bool [N] rows with both VA dimensions."""
    expression = table["expression"].to_numpy(dtype=np.int64) != labels.MISSING_EXPRESSION
    va = table[list(labels.VALENCE_AROUSAL)].to_numpy(dtype=np.float32)
    return expression, (va != labels.MISSING_VA).all(axis=1)


def labelled_action_units(table: pd.DataFrame) -> list[str]:
    """The AU columns (canonical ``AU1 ... AU26`` and extras ``AU<k>``) that some row labels.

    In AU-number order. EmotioNet's table, for instance, labels its 11 AUs (AU1, AU2, AU4, AU5,
    AU6, AU9, AU12, AU17, AU20, AU25, AU26) and leaves AU7, AU10, AU15, AU23 and AU24 MISSING.

    Example:
        >>> t = make_table({"path": ["a", "b"], "split": "train", "AU5": [1, -1], "AU1": [0, 1]},
        ...                "emotionet")
        >>> labelled_action_units(t)
        ['AU1', 'AU5']
    """
    names = [c for c in table.columns if _EXTRA_AU.match(str(c))]
    owned = [c for c in names if (table[c].to_numpy() != labels.MISSING_AU).any()]
    return sorted(owned, key=lambda name: int(str(name)[2:]))
