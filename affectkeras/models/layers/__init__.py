"""Small serializable Keras layers the backbones, heads and temporal models are built from."""

from affectkeras.models.layers.framing import FramingLayer
from affectkeras.models.layers.fusion import PredictionFusion
from affectkeras.models.layers.joint_canonical import JointToCanonical
from affectkeras.models.layers.normalization import NORMALIZATIONS, PixelNormalization
from affectkeras.models.layers.sequence import ClearMask, MaskedStatistics, TakeStep
from affectkeras.models.layers.shortcut import ZeroPadShortcut
from affectkeras.models.layers.va_bins import VABinExpectation

__all__ = [
    "NORMALIZATIONS",
    "ClearMask",
    "FramingLayer",
    "JointToCanonical",
    "MaskedStatistics",
    "PixelNormalization",
    "PredictionFusion",
    "TakeStep",
    "VABinExpectation",
    "ZeroPadShortcut",
]
