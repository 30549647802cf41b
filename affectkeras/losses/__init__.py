"""Losses of the five seed papers; they mask MISSING targets themselves.

Table and examples: docs/losses_and_metrics.md.

Every loss is a serializable ``keras.losses.Loss`` over pure ``keras.ops`` functions, runs on the
TensorFlow and JAX backends, gives MISSING targets zero loss and exactly zero gradient, averages
over the labelled samples or entries of the batch and returns 0 for a batch with none.

=========================================  ===========================================
loss                                        paper
=========================================  ===========================================
``FocalCrossEntropy``                       seed 000 eq. 1-2 (expressions)
``MaskedBinaryCrossentropy``                seed 000 AUs (BCE per AU)
``WeightedCrossEntropy``                    seed 001 L_1 (and plain CE: 002 eq. 1, 004 eq. 1)
``BinaryFocalCrossEntropy``                 seed 001 L_2 (AUs, gamma = 1)
``CCCLoss``                                 seed 001 L_3, 004 eq. 2
``VABinsLoss``                              seed 002 eq. 2
``DistillationKL``                          seed 002 eq. 4-6
``PairedDistillationKL``                    seed 002 eq. 4-6 (teacher in the graph)
``SelectiveSigmoidCrossEntropy``            seed 003 eq. 1
``VectorMSE`` / ``CCCMSELoss``              seed 004 eq. 3 / eq. 4
=========================================  ===========================================

Each class is a thin :class:`MaskedLossWrapper` over a pure function of the same module that
returns the reduced batch loss, ``fn(y_true, y_pred, sample_weight=None, **arguments)``: the
``*_loss`` functions (``focal_crossentropy_loss``, ``ccc_loss``, ...). The functions without the
suffix (``focal_crossentropy``, ``masked_binary_crossentropy``, ...) are their per-sample or
per-entry building blocks, returning ``(values, labelled)``.
"""

from affectkeras.losses.base import AffectLoss, MaskedLossWrapper
from affectkeras.losses.ccc import CCCLoss, ccc_loss, ccc_per_dimension, weighted_ccc
from affectkeras.losses.distillation import DistillationKL, distillation_kl, distillation_kl_loss
from affectkeras.losses.focal import (
    BinaryFocalCrossEntropy,
    FocalCrossEntropy,
    binary_focal_crossentropy,
    binary_focal_crossentropy_loss,
    focal_crossentropy,
    focal_crossentropy_loss,
)
from affectkeras.losses.masked import (
    MaskedBinaryCrossentropy,
    masked_binary_crossentropy,
    masked_binary_crossentropy_loss,
)
from affectkeras.losses.masking import labelled_mean
from affectkeras.losses.paired_distillation import PairedDistillationKL, paired_distillation_kl_loss
from affectkeras.losses.selective import (
    SelectiveSigmoidCrossEntropy,
    selective_sigmoid_crossentropy,
    selective_sigmoid_crossentropy_loss,
)
from affectkeras.losses.temporal_stat import (
    CCCMSELoss,
    VectorMSE,
    affect_vector,
    ccc_mse_loss,
    vector_mse_loss,
    vector_squared_error,
)
from affectkeras.losses.va_bins import VABinsLoss, va_bin_index, va_bins_loss
from affectkeras.losses.weighted_ce import (
    WeightedCrossEntropy,
    class_weights_from_counts,
    class_weights_from_labels,
    weighted_crossentropy,
    weighted_crossentropy_loss,
)

__all__ = [
    "AffectLoss",
    "BinaryFocalCrossEntropy",
    "CCCLoss",
    "CCCMSELoss",
    "DistillationKL",
    "FocalCrossEntropy",
    "MaskedBinaryCrossentropy",
    "MaskedLossWrapper",
    "PairedDistillationKL",
    "SelectiveSigmoidCrossEntropy",
    "VABinsLoss",
    "VectorMSE",
    "WeightedCrossEntropy",
    "affect_vector",
    "binary_focal_crossentropy",
    "binary_focal_crossentropy_loss",
    "ccc_loss",
    "ccc_mse_loss",
    "ccc_per_dimension",
    "class_weights_from_counts",
    "class_weights_from_labels",
    "distillation_kl",
    "distillation_kl_loss",
    "focal_crossentropy",
    "focal_crossentropy_loss",
    "labelled_mean",
    "masked_binary_crossentropy",
    "masked_binary_crossentropy_loss",
    "paired_distillation_kl_loss",
    "selective_sigmoid_crossentropy",
    "selective_sigmoid_crossentropy_loss",
    "va_bin_index",
    "va_bins_loss",
    "vector_mse_loss",
    "vector_squared_error",
    "weighted_ccc",
    "weighted_crossentropy",
    "weighted_crossentropy_loss",
]
