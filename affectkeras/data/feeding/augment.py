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
- ``scale``: maximum zoom as a fraction (0.1 = a factor drawn in [0.9, 1.1]) about the image
  centre; in the no-TensorFlow path one ``cv2.warpAffine`` does rotation and zoom together,
  inside tf.data ``keras.layers.RandomZoom`` (per batch).
- ``erase``: random erasing (Zhong et al., AAAI 2020, their Alg. 1) with this probability per
  sample: a rectangle of 2-25 % of the image area, aspect ratio in [0.3, 3.3] (log-uniform),
  filled with uniform random grey levels. The area bound is ours: the paper's 2-40 % is for
  whole-object images; on a 48 px face 40 % hides most of the expression.
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
        scale: maximum zoom as a fraction of the size (0 = none).
        erase: probability of random erasing per sample (0 = none).
        fill: ``"constant"`` (zeros) or ``"reflect"`` for padded/rotated-in pixels.
        layers: extra Keras preprocessing layers for the tf.data path (applied per batch).
    """

    flip: bool = True
    translate: float = 0.1
    rotation: float = 0.0
    scale: float = 0.0
    erase: float = 0.0
    fill: str = "constant"
    layers: Sequence[Any] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0.0 <= self.translate < 0.5:
            raise ValueError(f"translate must be in [0, 0.5), got {self.translate}")
        if self.rotation < 0:
            raise ValueError(f"rotation must be >= 0 degrees, got {self.rotation}")
        if not 0.0 <= self.scale < 1.0:
            raise ValueError(f"scale must be in [0, 1), got {self.scale}")
        if not 0.0 <= self.erase <= 1.0:
            raise ValueError(f"erase must be a probability in [0, 1], got {self.erase}")
        if self.fill not in FILLS:
            raise ValueError(f"fill must be one of {FILLS}, got {self.fill!r}")
        object.__setattr__(self, "layers", tuple(self.layers))

    @property
    def active(self) -> bool:
        """Whether anything is augmented at all."""
        return bool(
            self.flip or self.translate or self.rotation or self.scale or self.erase or self.layers
        )

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
    scales = rng.uniform(1.0 - augment.scale, 1.0 + augment.scale, batch)
    erase = erase_boxes(rng, batch, height, width, augment.erase)
    if pad_y or pad_x:  # one pad for the whole batch, then a slice per sample
        mode = "constant" if augment.fill == "constant" else "reflect"
        frames = np.pad(frames, ((0, 0), (0, 0), (pad_y, pad_y), (pad_x, pad_x), (0, 0)), mode)
    out = np.empty((batch, frames.shape[1], height, width, frames.shape[-1]), np.uint8)
    border = cv2.BORDER_CONSTANT if augment.fill == "constant" else cv2.BORDER_REFLECT_101
    centre = ((width - 1) / 2, (height - 1) / 2)
    for i in range(batch):
        crop = frames[i, :, dys[i] : dys[i] + height, dxs[i] : dxs[i] + width]
        out[i] = crop[:, :, ::-1] if flips[i] else crop
        if augment.rotation or augment.scale:
            matrix = cv2.getRotationMatrix2D(centre, float(angles[i]), float(scales[i]))
            for t in range(out.shape[1]):
                out[i, t] = cv2.warpAffine(out[i, t], matrix, (width, height), borderMode=border)
        y, x, h, w = erase[i]
        if h:
            out[i, :, y : y + h, x : x + w] = rng.integers(0, 256, (h, w, 1), dtype=np.uint8)
    return out if steps else out[:, 0]


ERASE_AREA = (0.02, 0.25)
ERASE_ASPECT = (0.3, 1 / 0.3)


def erase_boxes(
    rng: np.random.Generator, batch: int, height: int, width: int, probability: float
) -> np.ndarray:
    """Random-erasing rectangles ``(y, x, h, w)`` per sample, ``h = 0`` where none is erased.

    Area ``ERASE_AREA`` of the image and aspect ratio ``ERASE_ASPECT`` (log-uniform), clipped to
    the image. Always draws the same numbers per sample, so other draws do not shift with it.
    """
    draws = rng.random((batch, 5))
    area = height * width * (ERASE_AREA[0] + draws[:, 1] * (ERASE_AREA[1] - ERASE_AREA[0]))
    log_low, log_high = np.log(ERASE_ASPECT)
    aspect = np.exp(log_low + draws[:, 2] * (log_high - log_low))
    h = np.clip(np.round(np.sqrt(area * aspect)), 1, height).astype(np.int64)
    w = np.clip(np.round(np.sqrt(area / aspect)), 1, width).astype(np.int64)
    y = np.floor(draws[:, 3] * (height - h + 1)).astype(np.int64)
    x = np.floor(draws[:, 4] * (width - w + 1)).astype(np.int64)
    h = np.where(draws[:, 0] < probability, h, 0)
    return np.stack([y, x, h, w], axis=1)


def augment_tf(image: Any, augment: Augment, seed: Any) -> Any:
    """TensorFlow version for one sample [H, W, 3] or window [s, H, W, 3] inside tf.data.

    ``seed`` is an int [2] tensor (stateless random ops). Rotation and ``layers`` are applied
    per batch by the pipeline, not here.
    """
    import tensorflow as tf

    height, width = int(image.shape[-3]), int(image.shape[-2])
    pad_y, pad_x = augment.pad(height, width)
    draws = tf.random.stateless_uniform([8], seed=seed)
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
    if augment.erase:
        image = _erase_tf(
            image, draws[3:], augment.erase, tf.random.experimental.stateless_fold_in(seed, 1)
        )
    return image


def _erase_tf(image: Any, draws: Any, probability: float, seed: Any) -> Any:
    """Random erasing inside tf.data (see :func:`erase_boxes`; the same distribution)."""
    import tensorflow as tf

    height, width = int(image.shape[-3]), int(image.shape[-2])
    low, high = ERASE_AREA
    area = height * width * (low + draws[1] * (high - low))
    log_low, log_high = np.log(ERASE_ASPECT)
    aspect = tf.exp(log_low + draws[2] * (log_high - log_low))
    h = tf.clip_by_value(tf.round(tf.sqrt(area * aspect)), 1, height)
    w = tf.clip_by_value(tf.round(tf.sqrt(area / aspect)), 1, width)
    y = tf.floor(draws[3] * (height - h + 1))
    x = tf.floor(draws[4] * (width - w + 1))
    rows = tf.range(height, dtype=tf.float32)[:, None]
    cols = tf.range(width, dtype=tf.float32)[None, :]
    inside = (rows >= y) & (rows < y + h) & (cols >= x) & (cols < x + w) & (draws[0] < probability)
    noise = tf.random.stateless_uniform([height, width, 1], seed=seed, maxval=256, dtype=tf.int32)
    inside = inside[..., None]
    return tf.where(inside, tf.cast(noise, image.dtype), image)


def batch_layers(augment: Augment, seed: int) -> list[Any]:
    """The Keras layers the tf.data pipeline applies per batch (rotation, zoom, ``layers``)."""
    import keras

    result: list[Any] = []
    if augment.rotation:
        result.append(
            keras.layers.RandomRotation(augment.rotation / 360.0, fill_mode=augment.fill, seed=seed)
        )
    if augment.scale:
        result.append(
            keras.layers.RandomZoom(
                (-augment.scale, augment.scale), fill_mode=augment.fill, seed=seed + 1
            )
        )
    return [*result, *augment.layers]
