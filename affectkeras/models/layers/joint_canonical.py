"""``JointToCanonical``: seed 003's joint sigmoid output -> canonical expression/AU/compound.

The SJMT model (Pons & Masip) predicts every unit of the union label space for every image. To
serve it like any other model (``evaluate``, ``predict``, export), its predictor adds these
layers after the joint output. Each averages the joint units that stand for the same canonical
label (SFEW's and CK+'s ``happiness`` ...), as ``JointDecoder.canonical`` does in numpy:

- ``normalize=True`` (expressions): the averages divided by their sum (probabilities); a
  canonical class no space has scores 0;
- ``normalize=False`` (action units, compound emotions): the averages; a label no space has
  is NaN (e.g. AU7 when the only AU space is EmotioNet's).

Example:
    >>> import numpy as np
    >>> layer = JointToCanonical(units=[[0, 0], [1, 1], [2, 1]], size=3, normalize=False)
    >>> np.round(np.asarray(layer(np.array([[0.2, 0.4, 0.8]], "float32")), "float64"), 2).tolist()
    [[0.2, 0.6, nan]]
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="affectkeras")
class JointToCanonical(keras.layers.Layer):
    """Averages joint units into canonical labels (see the module doc).

    Args:
        units: ``[joint unit, canonical index]`` pairs (``JointDecoder.canonical_units``).
        size: number of canonical labels.
        normalize: divide by the sum over labels (expression probabilities).
        names: the output's label names (``size`` of them), kept in the layer's config so a
            saved predictor says what each column is and which ones it was trained on
            (:attr:`trained_names`); None for layers saved before names were recorded.

    Shapes:
        input [B, U] joint sigmoid scores; output float32 [B, size].
    """

    def __init__(
        self,
        units: Sequence[Sequence[int]],
        size: int,
        normalize: bool,
        names: Sequence[str] | None = None,
        **kwargs,
    ):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.units = [[int(u), int(t)] for u, t in units]
        self.size = int(size)
        self.normalize = bool(normalize)
        self.names = None if names is None else [str(n) for n in names]
        if self.names is not None and len(self.names) != self.size:
            raise ValueError(f"JointToCanonical: {len(self.names)} names for {self.size} labels")
        if not self.units:
            raise ValueError("JointToCanonical needs at least one (unit, label) pair")
        if any(t < 0 or t >= self.size for _, t in self.units):
            raise ValueError(f"JointToCanonical: label indices must be in 0..{self.size - 1}")

    @property
    def trained_names(self) -> list[str] | None:
        """The labels some joint unit feeds (the others are NaN or 0); None without names."""
        if self.names is None:
            return None
        covered = {t for _, t in self.units}
        return [name for i, name in enumerate(self.names) if i in covered]

    def build(self, input_shape):
        width = int(input_shape[-1])
        if any(u < 0 or u >= width for u, _ in self.units):
            raise ValueError(f"JointToCanonical: unit indices must be in 0..{width - 1}")
        matrix = np.zeros((width, self.size), np.float32)
        counts = np.zeros(self.size, np.float32)
        for unit, label in self.units:
            matrix[unit, label] += 1.0
            counts[label] += 1.0
        covered = counts > 0
        matrix[:, covered] /= counts[covered]
        self._matrix = matrix
        # labels no unit covers: 0 for normalised expressions, NaN otherwise
        self._uncovered = np.where(covered, 0.0, 0.0 if self.normalize else np.nan).astype(
            np.float32
        )

    def call(self, inputs):
        values = ops.matmul(ops.cast(inputs, "float32"), ops.convert_to_tensor(self._matrix))
        if self.normalize:
            total = ops.sum(values, axis=-1, keepdims=True)
            values = values / ops.maximum(total, keras.backend.epsilon())
        return values + ops.convert_to_tensor(self._uncovered)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.size)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "size": self.size,
            "normalize": self.normalize,
            "names": self.names,
        }
