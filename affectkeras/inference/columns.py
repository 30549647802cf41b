"""The columns of ``affectkeras predict``'s CSV (SPEC.md), and model outputs -> row values.

Header, in this order: ``image, frame, face, box_x, box_y, box_w, box_h, valence, arousal,
expression, expression_name, AU1 ... AU26`` (0/1 decisions at 0.5), ``p_neutral ... p_other``
(expression probabilities, 8-class space), ``p_AU1 ... p_AU26`` (AU probabilities). Columns of
tasks a model does not predict, ``p_other`` for 7-class models, and AUs a model was not trained
on (NaN in its ``action_units``, e.g. AU7 for an SJMT model trained on EmotioNet) stay empty.

Example:
    >>> import numpy as np
    >>> len(PREDICT_COLUMNS), PREDICT_COLUMNS[:4]
    (43, ('image', 'frame', 'face', 'box_x'))
    >>> values = prediction_values({"expression": np.eye(7)[4]})
    >>> values["expression"], values["expression_name"], values["p_happiness"], "p_other" in values
    (4, 'happiness', 1.0, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from affectkeras import labels

AU_THRESHOLD = 0.5
"""An AU is reported active (``AU*`` = 1) when its probability is at least this."""

ID_COLUMNS: tuple[str, ...] = ("image", "frame", "face", "box_x", "box_y", "box_w", "box_h")
EXPRESSION_PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{n}" for n in labels.EXPRESSIONS)
AU_PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{n}" for n in labels.ACTION_UNITS)
PREDICT_COLUMNS: tuple[str, ...] = (
    *ID_COLUMNS,
    *labels.VALENCE_AROUSAL,
    "expression",
    "expression_name",
    *labels.ACTION_UNITS,
    *EXPRESSION_PROBABILITY_COLUMNS,
    *AU_PROBABILITY_COLUMNS,
)
"""SPEC.md's predict CSV header, in order."""

INTEGER_COLUMNS: tuple[str, ...] = ("frame", "face", "expression", *labels.ACTION_UNITS)

TASK_OUTPUTS: dict[str, tuple[str, ...]] = {
    "expression": ("expression", "expression_name", *EXPRESSION_PROBABILITY_COLUMNS),
    "action_units": (*labels.ACTION_UNITS, *AU_PROBABILITY_COLUMNS),
    "valence_arousal": labels.VALENCE_AROUSAL,
}
"""The CSV columns each canonical model output fills."""


def prediction_values(outputs: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """CSV values of one face from its canonical outputs (each a 1-D array of one sample)."""
    values: dict[str, Any] = {}
    if "expression" in outputs:
        probabilities = np.asarray(outputs["expression"], np.float64)
        if probabilities.shape not in ((7,), (8,)):
            raise ValueError(
                f"expression output must hold 7 or 8 probabilities, got {probabilities.shape}"
            )
        index = int(np.argmax(probabilities))
        values["expression"] = index
        values["expression_name"] = labels.EXPRESSIONS[index]
        for name, p in zip(labels.EXPRESSIONS, probabilities, strict=False):
            values[f"p_{name}"] = float(p)
    if "action_units" in outputs:
        probabilities = np.asarray(outputs["action_units"], np.float64)
        if probabilities.shape != (len(labels.ACTION_UNITS),):
            raise ValueError(f"action_units output must be [12], got {probabilities.shape}")
        for name, p in zip(labels.ACTION_UNITS, probabilities, strict=True):
            if np.isnan(p):
                continue  # an AU the model was not trained on (seed 003): left empty
            values[name] = int(p >= AU_THRESHOLD)
            values[f"p_{name}"] = float(p)
    if "valence_arousal" in outputs:
        va = np.asarray(outputs["valence_arousal"], np.float64)
        if va.shape != (2,):
            raise ValueError(f"valence_arousal output must be [2], got {va.shape}")
        values["valence"], values["arousal"] = float(va[0]), float(va[1])
    return values
