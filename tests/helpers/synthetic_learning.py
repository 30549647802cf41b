"""A small CNN trained on synthetic video frames, and the scores it reaches (plain Keras layers).

Used by tests/data/synthetic/test_learning.py and benchmarks/synthetic_learning.py. Scores are
computed independently of affectkeras: F1 with scikit-learn, CCC with numpy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras
import numpy as np
from sklearn.metrics import f1_score

from affectkeras.data.synthetic import make_video

EXPRESSION_CLASSES = 8


@dataclass
class Setup:
    seed: int = 7
    train_videos: int = 160
    train_frames: int = 60
    frame_step: int = 3
    validation_videos: int = 10
    validation_frames: int = 120
    size: int = 48
    epochs: int = 8
    batch_size: int = 64


def frames_and_labels(videos, step: int, size: int):
    picks = [(video, i) for video in videos for i in range(0, video.frames, step)]
    images = np.stack([video.render(i, size) for video, i in picks])

    def gather(name):
        return np.stack([getattr(video, name)[i] for video, i in picks])

    return images, gather


def build_model(size: int) -> keras.Model:
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    for filters in (16, 32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(96, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = {
        "expression": keras.layers.Dense(EXPRESSION_CLASSES, "softmax", name="expression")(x),
        "action_units": keras.layers.Dense(12, "sigmoid", name="action_units")(x),
        "valence_arousal": keras.layers.Dense(2, "tanh", name="valence_arousal")(x),
    }
    return keras.Model(inputs, outputs)


def positive_weighted_bce(y_true, y_pred):
    """BCE with positives weighted 3x (AUs are present in ~10% of frames)."""
    y_pred = keras.ops.clip(y_pred, 1e-6, 1 - 1e-6)
    terms = 3.0 * y_true * keras.ops.log(y_pred) + (1 - y_true) * keras.ops.log(1 - y_pred)
    return -keras.ops.mean(terms, axis=-1)


def ccc(x: np.ndarray, y: np.ndarray) -> float:
    """Concordance correlation, population variances, over the whole set."""
    mx, my = x.mean(), y.mean()
    return float(2 * ((x - mx) * (y - my)).mean() / (x.var() + y.var() + (mx - my) ** 2))


def scores(predictions: dict, expression, aus, va) -> dict[str, float]:
    return {
        "expr_f1": float(
            f1_score(
                expression,
                predictions["expression"].argmax(axis=1),
                average="macro",
                labels=range(EXPRESSION_CLASSES),
                zero_division=0,
            )
        ),
        "au_f1": float(
            np.mean(
                [
                    f1_score(aus[:, j], predictions["action_units"][:, j] >= 0.5, zero_division=0)
                    for j in range(aus.shape[1])
                ]
            )
        ),
        "va_ccc": float(
            np.mean([ccc(va[:, j], predictions["valence_arousal"][:, j]) for j in (0, 1)])
        ),
    }


def chance_scores(expression, aus) -> dict[str, float]:
    """Trivial baselines: uniform-random expression guesses; 'every AU present'."""
    rng = np.random.default_rng(0)
    guess = rng.integers(0, EXPRESSION_CLASSES, len(expression))
    return {
        "expr_f1": float(
            f1_score(expression, guess, average="macro", labels=range(8), zero_division=0)
        ),
        "au_f1": float(
            np.mean([f1_score(aus[:, j], np.ones(len(aus)), zero_division=0) for j in range(12)])
        ),
        "va_ccc": 0.0,
    }


def smooth(predictions: dict, lengths: list[int], radius: int) -> dict:
    """Centred moving average of each video's per-frame outputs (edges repeat the end frames)."""
    out = {}
    for name, values in predictions.items():
        pieces, start = [], 0
        for length in lengths:
            segment = values[start : start + length]
            padded = np.concatenate(
                [segment[:1].repeat(radius, 0), segment, segment[-1:].repeat(radius, 0)]
            )
            total = np.cumsum(np.concatenate([np.zeros_like(padded[:1]), padded]), axis=0)
            pieces.append((total[2 * radius + 1 :] - total[: -2 * radius - 1]) / (2 * radius + 1))
            start += length
        out[name] = np.concatenate(pieces)
    return out


def train_and_score(setup: Setup, radius: int = 4) -> dict:
    """Trains on ``train_videos`` identities, scores on ``validation_videos`` others."""
    keras.utils.set_random_seed(setup.seed)
    train = [make_video(setup.seed, i, setup.train_frames) for i in range(setup.train_videos)]
    held_out = [
        make_video(setup.seed, 10_000 + i, setup.validation_frames)
        for i in range(setup.validation_videos)
    ]
    x_train, gather = frames_and_labels(train, setup.frame_step, setup.size)
    y_train = {
        "expression": gather("noisy_expression"),
        "action_units": gather("noisy_aus").astype("float32"),
        "valence_arousal": gather("noisy_va"),
    }
    x_val = np.concatenate([video.render_all(setup.size) for video in held_out])
    model = build_model(setup.size)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss={
            "expression": "sparse_categorical_crossentropy",
            "action_units": positive_weighted_bce,
            "valence_arousal": "mse",
        },
        loss_weights={"expression": 1.0, "action_units": 1.0, "valence_arousal": 2.0},
    )
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=setup.batch_size, epochs=setup.epochs, verbose=0)
    seconds = time.perf_counter() - start
    frame = model.predict(x_val, batch_size=256, verbose=0)
    smoothed = smooth(frame, [video.frames for video in held_out], radius)
    result = {
        "train_seconds": seconds,
        "train_images": len(x_train),
        "identities": {
            "train": [video.identity for video in train],
            "held_out": [video.identity for video in held_out],
        },
    }
    for labels_kind, prefix in (("noisy", "noisy_"), ("clean", "")):
        truth = [
            np.concatenate([getattr(video, prefix + name) for video in held_out])
            for name in ("expression", "aus", "va")
        ]
        result[labels_kind] = {
            "frame": scores(frame, *truth),
            "smoothed": scores(smoothed, *truth),
            "chance": chance_scores(*truth[:2]),
        }
    return result
