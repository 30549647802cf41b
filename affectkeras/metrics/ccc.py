"""Stateful whole-set CCC for valence/arousal (not a per-batch average).

``keras.metrics.ConcordanceCorrelation`` averages per row; the ABAW score is the concordance of
the whole evaluation set. This metric keeps, per dimension, the count n, the means of targets and
predictions, the sums of squared deviations M2 and the co-moment C, and merges each batch into
them with the pairwise update of Chan, Golub and LeVeque (1979)::

    n = n_a + n_b,   delta = mean_b - mean_a,   mean = mean_a + delta * n_b / n
    M2 = M2_a + M2_b + delta^2 * n_a * n_b / n,  C = C_a + C_b + delta_x * delta_y * n_a * n_b / n

Unlike raw sums of x, x^2 and xy, which lose every significant digit to cancellation in float32
(JAX runs without float64 by default), the centred moments stay accurate over millions of
frames. ``result()`` is ``2 C / (M2_x + M2_y + n (mean_x - mean_y)^2)``, i.e. population
variances, and 0 where that denominator is 0. MISSING targets (-5, per element) and samples with
a zero ``sample_weight`` are skipped; other weights are not used (a score counts frames).

Example:
    >>> import numpy as np
    >>> from affectkeras.metrics import ConcordanceCorrelation
    >>> metric = ConcordanceCorrelation(dimension=0, name="va_ccc_valence")
    >>> y = np.array([[0.1, -5.0], [0.5, 0.2], [-0.3, 0.4]], "float32")
    >>> metric.update_state(y[:2], y[:2])
    >>> metric.update_state(y[2:], y[2:])
    >>> round(float(metric.result()), 5)
    1.0
"""

from __future__ import annotations

import keras
from keras import ops

from affectkeras import labels
from affectkeras.metrics.masks import flatten_for_metric


@keras.saving.register_keras_serializable(package="affectkeras")
class ConcordanceCorrelation(keras.metrics.Metric):
    """Whole-set concordance correlation coefficient of each VA dimension.

    Args:
        dimension: None (default) for the mean over dimensions (SPEC's ``va_ccc``), or the index
            of one dimension (0 valence ``va_ccc_valence``, 1 arousal ``va_ccc_arousal``).
        num_dimensions: columns of the targets (2 for valence, arousal).
        missing: the MISSING sentinel (-5).
        name: metric name (default ``va_ccc``).
        dtype: variable dtype (float32).

    Shapes:
        ``y_true`` float [B, D] (-5 = MISSING); ``y_pred`` [B, D]; ``sample_weight`` [B].
    """

    def __init__(
        self,
        dimension: int | None = None,
        num_dimensions: int = len(labels.VALENCE_AROUSAL),
        missing: float = labels.MISSING_VA,
        name: str = "va_ccc",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype or "float32")
        if dimension is not None and not 0 <= dimension < num_dimensions:
            raise ValueError(
                f"dimension must be None or in 0..{num_dimensions - 1}, got {dimension}"
            )
        self.dimension = None if dimension is None else int(dimension)
        self.num_dimensions = int(num_dimensions)
        self.missing = float(missing)
        shape = (self.num_dimensions,)
        names = ("count", "mean_true", "mean_pred", "m2_true", "m2_pred", "comoment")
        self._moments = [
            self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype, name=n)
            for n in names
        ]

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, weight = flatten_for_metric(y_true, y_pred, sample_weight, 1, 1)
        y_true = ops.cast(y_true, self.dtype)
        y_pred = ops.cast(y_pred, self.dtype)
        used = ops.not_equal(y_true, self.missing)
        if weight is not None:
            used = ops.logical_and(used, ops.expand_dims(ops.not_equal(weight, 0.0), -1))
        w = ops.cast(used, self.dtype)
        x = ops.where(used, y_true, 0.0)
        y = ops.where(used, y_pred, 0.0)

        n_b = ops.sum(w, axis=0)
        safe_b = ops.maximum(n_b, 1.0)
        mean_x_b = ops.sum(w * x, axis=0) / safe_b
        mean_y_b = ops.sum(w * y, axis=0) / safe_b
        dx = (x - mean_x_b) * w
        dy = (y - mean_y_b) * w
        m2_x_b = ops.sum(dx * dx, axis=0)
        m2_y_b = ops.sum(dy * dy, axis=0)
        c_b = ops.sum(dx * dy, axis=0)

        n_a, mean_x_a, mean_y_a, m2_x_a, m2_y_a, c_a = (v.value for v in self._moments)
        n = n_a + n_b
        safe = ops.maximum(n, 1.0)
        delta_x = mean_x_b - mean_x_a
        delta_y = mean_y_b - mean_y_a
        cross = n_a * n_b / safe
        updates = (
            n,
            mean_x_a + delta_x * n_b / safe,
            mean_y_a + delta_y * n_b / safe,
            m2_x_a + m2_x_b + delta_x * delta_x * cross,
            m2_y_a + m2_y_b + delta_y * delta_y * cross,
            c_a + c_b + delta_x * delta_y * cross,
        )
        for variable, value in zip(self._moments, updates, strict=True):
            variable.assign(value)

    def per_dimension(self):
        """The CCC of every dimension so far, float [D]."""
        n, mean_x, mean_y, m2_x, m2_y, comoment = (v.value for v in self._moments)
        denominator = m2_x + m2_y + n * ops.square(mean_x - mean_y)
        positive = denominator > 0
        return ops.where(positive, 2.0 * comoment / ops.where(positive, denominator, 1.0), 0.0)

    def result(self):
        values = self.per_dimension()
        if self.dimension is None:
            return ops.mean(values)
        return values[self.dimension]

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype,
            "dimension": self.dimension,
            "num_dimensions": self.num_dimensions,
            "missing": self.missing,
        }
