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
    train_videos: int = 400
    train_frames: int = 64
    frame_step: int = 8
    validation_videos: int = 20
    readout_videos: int = 30
    readout_frames: int = 120
    validation_frames: int = 120
    size: int = 48
    epochs: int = 8
    batch_size: int = 32


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
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    # Flatten, not global pooling: the crops are aligned, so where a feature sits matters.
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    return keras.Model(inputs, heads(x))


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


OUTPUTS = ("expression", "action_units", "valence_arousal")


def windows(predictions: dict, lengths: list[int], radius: int) -> np.ndarray:
    """Each frame's outputs with those of its ``radius`` neighbours on both sides, flattened:
    [N, (2 radius + 1) * 22] (edges repeat the end frames)."""
    flat = np.concatenate([predictions[name] for name in OUTPUTS], axis=1)
    pieces, start = [], 0
    offsets = np.arange(-radius, radius + 1)[None, :]
    for length in lengths:
        index = np.clip(np.arange(length)[:, None] + offsets, 0, length - 1)
        pieces.append(flat[start : start + length][index].reshape(length, -1))
        start += length
    return np.concatenate(pieces)


def compile_model(model: keras.Model, steps: int) -> None:
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss={
            "expression": "sparse_categorical_crossentropy",
            "action_units": positive_weighted_bce,
            "valence_arousal": "mse",
        },
        loss_weights={"expression": 1.0, "action_units": 1.0, "valence_arousal": 2.0},
    )


def heads(x) -> dict:
    return {
        "expression": keras.layers.Dense(EXPRESSION_CLASSES, "softmax", name="expression")(x),
        "action_units": keras.layers.Dense(12, "sigmoid", name="action_units")(x),
        "valence_arousal": keras.layers.Dense(2, "tanh", name="valence_arousal")(x),
    }


def fit_readout(x, y, epochs: int = 30, batch_size: int = 64) -> keras.Model:
    """A small MLP from (windows of) frame-model outputs to the three tasks."""
    inputs = keras.Input((x.shape[1],))
    model = keras.Model(inputs, heads(keras.layers.Dense(64, activation="relu")(inputs)))
    compile_model(model, epochs * -(-len(x) // batch_size))
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model


def labels_of(videos, prefix: str = "noisy_") -> dict:
    return {
        "expression": np.concatenate([getattr(v, prefix + "expression") for v in videos]),
        "action_units": np.concatenate([getattr(v, prefix + "aus") for v in videos]).astype(
            "float32"
        ),
        "valence_arousal": np.concatenate([getattr(v, prefix + "va") for v in videos]),
    }


def train_and_score(setup: Setup, radius: int = 3, more_radii: tuple[int, ...] = ()) -> dict:
    """Trains a frame CNN on ``train_videos`` people; then, on ``readout_videos`` other people,
    two read-outs of its outputs: one per frame (radius 0) and one over a window of
    ``2 radius + 1`` frames; scores all on ``validation_videos`` further people.

    The two read-outs have the same form, data and training; only the temporal context
    differs, so their gap is what smoothing over the video's frames is worth.
    """
    keras.utils.set_random_seed(setup.seed)
    train = [make_video(setup.seed, i, setup.train_frames) for i in range(setup.train_videos)]
    readout = [
        make_video(setup.seed, 20_000 + i, setup.readout_frames)
        for i in range(setup.readout_videos)
    ]
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
    model = build_model(setup.size)
    compile_model(model, setup.epochs * -(-len(x_train) // setup.batch_size))
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=setup.batch_size, epochs=setup.epochs, verbose=0)
    seconds = time.perf_counter() - start

    def predict(videos):
        images = np.concatenate([video.render_all(setup.size) for video in videos])
        return model.predict(images, batch_size=256, verbose=0), [v.frames for v in videos]

    frame, lengths = predict(held_out)
    readout_outputs, readout_lengths = predict(readout)
    readouts = {
        r: fit_readout(windows(readout_outputs, readout_lengths, r), labels_of(readout))
        for r in sorted({0, radius})
    }
    read = {
        r: readouts[r].predict(windows(frame, lengths, r), batch_size=1024, verbose=0)
        for r in readouts
    }
    result = {
        "train_seconds": seconds,
        "train_images": len(x_train),
        "identities": {
            "train": [video.identity for video in train],
            "readout": [video.identity for video in readout],
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
            "frame_readout": scores(read[0], *truth),
            "window_readout": scores(read[radius], *truth),
            **{
                f"moving_average_r{r}": scores(smooth(frame, lengths, r), *truth)
                for r in more_radii
            },
            "chance": chance_scores(*truth[:2]),
        }
    return result
