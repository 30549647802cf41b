"""The predict CSV's row values: AUs a model was not trained on stay empty."""

from __future__ import annotations

import numpy as np

from affectkeras import labels
from affectkeras.inference.columns import prediction_values


def test_untrained_aus_leave_their_columns_empty():
    probabilities = np.linspace(0.1, 0.9, 12)
    probabilities[[4, 5]] = np.nan  # AU7 and AU10: not in the model's training label sets
    values = prediction_values({"action_units": probabilities})
    for index, name in enumerate(labels.ACTION_UNITS):
        if index in (4, 5):
            assert name not in values and f"p_{name}" not in values
        else:
            assert values[name] == int(probabilities[index] >= 0.5)
            assert values[f"p_{name}"] == probabilities[index]
