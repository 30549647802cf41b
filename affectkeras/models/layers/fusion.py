"""``PredictionFusion``: seed 001's late fusion of a single-task and a multi-task prediction.

Chang et al. (ABAW4, Sec. 2) fuse, at inference, the prediction of the single-task model of a
task with the multi-task model's prediction of the same task:

    p_final = lambda * p_single + (1 - lambda) * p_multi

with lambda = 0.4 for valence/arousal and 0.6 for expressions and action units. For
probabilities (softmax expressions, sigmoid AUs) the result is again a probability; for VA
(tanh, in [-1, 1]) it stays in [-1, 1].

Example:
    >>> import numpy as np
    >>> layer = PredictionFusion(weight=0.6)
    >>> single = np.array([[0.9, 0.1]], "float32")
    >>> multi = np.array([[0.4, 0.6]], "float32")
    >>> np.round(np.asarray(layer([single, multi]), "float64"), 3).tolist()
    [[0.7, 0.3]]
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="affectkeras")
class PredictionFusion(keras.layers.Layer):
    """``weight * single + (1 - weight) * multi`` (seed 001's p_final; see the module doc).

    Args:
        weight: lambda, the single-task prediction's share, in [0, 1].

    Shapes:
        inputs ``[single, multi]``, two float tensors of one shape [B, ...]; output float32 of
        that shape.
    """

    def __init__(self, weight: float, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if not 0.0 <= float(weight) <= 1.0:
            raise ValueError(f"PredictionFusion: weight (lambda) must be in [0, 1], got {weight}")
        self.weight = float(weight)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("PredictionFusion takes [single, multi], two tensors")
        single, multi = (ops.cast(value, "float32") for value in inputs)
        return self.weight * single + (1.0 - self.weight) * multi

    def compute_output_shape(self, input_shape):
        single, multi = input_shape
        if tuple(single[1:]) != tuple(multi[1:]):
            raise ValueError(
                f"PredictionFusion: the single-task prediction {tuple(single)} and the "
                f"multi-task one {tuple(multi)} differ in shape"
            )
        return tuple(single)

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}
