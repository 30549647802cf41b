"""Shared label handling of the readers: expression options, vectorised name mapping, AU columns.

Example:
    >>> import numpy as np
    >>> canonical_codes(np.array(["happy", "contempt", "sad"], dtype=object), 8, "other").tolist()
    [4, 7, 5]
    >>> au_number("AU 12"), au_number("au4"), au_number("25")
    (12, 4, 25)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from affectkeras import labels
from affectkeras.data.reading.spec import DataSpec

CONTEMPT_OPTION = "missing|other: where contempt goes in the canonical column (default missing)"
_AU_NAME = re.compile(r"^\s*(?:au)?[\s_]*0*(\d+)\s*$", re.IGNORECASE)


def expression_options(spec: DataSpec) -> tuple[int, str]:
    """The ``classes=`` and ``contempt=`` options of a reader whose data has contempt.

    The expression space defaults to 8 classes with ``contempt=other`` (contempt needs Other to
    land in) and to 7 otherwise.

    Raises:
        ValueError: for ``contempt=other`` with ``classes=7`` (the 7-class space has no Other).
    """
    contempt = spec.choice("contempt", labels.CONTEMPT_POLICIES, "missing")
    classes = spec.num_classes()
    if classes is None:
        classes = 8 if contempt == "other" else 7
    if contempt == "other" and classes == 7:
        raise ValueError(
            f"Data spec {spec}: contempt=other needs classes=8 (the 7-class space has no Other)"
        )
    return classes, contempt


def canonical_codes(native: np.ndarray, classes: int, contempt: str = "missing") -> np.ndarray:
    """Maps an array of native expression names to canonical indices (-1 = MISSING), int64.

    Each distinct name is looked up once (``labels.canonical_expression``); empty strings map to
    MISSING. Raises ValueError for a name that is no known expression.
    """
    native = np.asarray(native, dtype=object)
    if native.size == 0:
        return np.zeros(0, np.int64)
    unique, inverse = np.unique(native.astype(str), return_inverse=True)
    lookup = np.array(
        [
            labels.canonical_expression(str(name), classes, contempt)
            if name
            else labels.MISSING_EXPRESSION
            for name in unique
        ],
        dtype=np.int64,
    )
    return lookup[inverse.reshape(-1)]


def au_number(name: str) -> int | None:
    """The AU number of a column name (``AU12``, ``AU 12``, ``au_12``, ``12``), else None."""
    match = _AU_NAME.match(str(name))
    return int(match.group(1)) if match else None


def au_columns(values: Mapping[int, np.ndarray], n: int, coded: bool = False) -> dict:
    """Table columns from per-AU occurrence vectors keyed by AU number.

    Args:
        values: AU number -> int array [n] in {0, 1, -1}.
        n: the number of rows.
        coded: True when the dataset codes every AU (FACS): a canonical AU absent from
            ``values`` is then 0 (absent), not MISSING.

    Returns:
        ``AU1 ... AU26`` (the 12 canonical names, int8) and, for every other AU in ``values``, an
        extra column ``AU<k>`` (int8), in AU-number order, so a union label space (SJMT) can use
        them.
    """
    fill = 0 if coded else labels.MISSING_AU
    columns: dict[str, np.ndarray] = {}
    for name in labels.ACTION_UNITS:
        number = int(name[2:])
        vector = values.get(number)
        columns[name] = np.full(n, fill, np.int8) if vector is None else np.asarray(vector, np.int8)
    canonical = {int(name[2:]) for name in labels.ACTION_UNITS}
    for number in sorted(set(values) - canonical):
        columns[f"AU{number}"] = np.asarray(values[number], np.int8)
    return columns


def any_label(expression: np.ndarray, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows with a labelled expression, any labelled canonical AU, or labelled valence/arousal."""
    labelled = np.asarray(expression) != labels.MISSING_EXPRESSION
    for name in labels.ACTION_UNITS:
        if name in columns:
            labelled |= np.asarray(columns[name]) != labels.MISSING_AU
    for name in labels.VALENCE_AROUSAL:
        if name in columns:
            labelled |= np.asarray(columns[name]) != labels.MISSING_VA
    return labelled


def native_au_combination(values: Mapping[int, np.ndarray], n: int) -> np.ndarray:
    """The present AUs of each row as ``"1+2+25"`` (the dataset's own AU label), "" for none."""
    combination = np.full(n, "", dtype=object)
    for number in sorted(values):
        present = np.asarray(values[number]) == 1
        text = str(number)
        combination[present] = np.where(
            combination[present] == "", text, combination[present] + "+" + text
        )
    return combination
