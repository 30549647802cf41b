"""``VABinExpectation``: seed 002's VA bin probabilities -> expected valence and arousal."""

from __future__ import annotations

import keras
from keras import ops

from affectkeras.va_binning import VA_BINS, va_bin_centres


@keras.saving.register_keras_serializable(package="affectkeras")
class VABinExpectation(keras.layers.Layer):
    """Expected value of each VA dimension under its bin distribution: ``probabilities @ centres``.

    The centres are ``affectkeras.va_binning.va_bin_centres(bins)``, shared with the seed-002 loss
    and decoder, so a value and its bin agree everywhere. Computes in float32.

    Args:
        bins: number of equal-width bins over [-1, 1].

    Shapes:
        [..., 2, bins] probabilities in (row 0 valence, row 1 arousal), [..., 2] out.

    Example:
        >>> import numpy as np
        >>> probabilities = np.zeros((1, 2, 4), "float32")
        >>> probabilities[0, 0, 3] = 1.0  # valence certainly in the top bin
        >>> probabilities[0, 1, :2] = 0.5  # arousal split over the two lowest bins
        >>> keras.ops.convert_to_numpy(VABinExpectation(4)(probabilities)).tolist()
        [[0.75, -0.5]]
    """

    def __init__(self, bins: int = VA_BINS, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.bins = int(bins)
        self._centres = va_bin_centres(self.bins)

    def call(self, probabilities):
        probabilities = ops.cast(probabilities, self.compute_dtype)
        centres = ops.convert_to_tensor(self._centres, dtype=self.compute_dtype)
        return ops.sum(probabilities * centres, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins}
