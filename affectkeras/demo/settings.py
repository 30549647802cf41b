"""What ``affectkeras demo`` draws and trains (a frozen dataclass), and its training settings.

The defaults were tuned on 2 CPU cores so that the whole demo (TensorFlow import included)
takes two to three minutes and every validation score lands clearly above its trivial
baseline:

- many short videos, 300 people x 24 frames (a tiny network memorises identities, so more
  people help more than more frames);
- 32 px crops (the ``tiny`` backbone learns faster there than at 48 or 64 px);
- 16 epochs of Adam at 3e-3 with a cosine schedule;
- plain cross-entropy for expressions (the class-weighted default makes the expression loss
  drown the AU and VA losses in the shared network);
- no pad-and-crop shift (on this little data it keeps the tiny network near chance).

Example:
    >>> settings = DemoSettings.from_overrides(["videos=8", "epochs=2"])
    >>> settings.videos, settings.frames, settings.epochs
    (8, 24, 2)
    >>> train_overrides(settings)[:3]
    ['stage=mtl', 'tasks=expr,au,va', 'backbone=tiny']
    >>> DemoSettings.from_overrides(["video=8"])
    Traceback (most recent call last):
    ...
    ValueError: demo setting 'video': unknown; valid: videos, frames, size, epochs, ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

RECIPE = "mtl_fusion"
"""The recipe trained: seed 001's hard-sharing multi-task network is its ``mtl`` stage."""
STAGE = "mtl"
"""Only that stage runs (the single-task stages and the fusion would triple the time)."""


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """Sizes of the demo's data, training and clip.

    Attributes:
        videos: synthetic videos (people) in all; a third go to the validation split.
        frames: frames per synthetic video.
        size: crop side in pixels, also the model's input size.
        epochs: training epochs.
        learning_rate: Adam's initial learning rate (cosine schedule to 0).
        batch_size: training batch size.
        seed: seeds the synthetic data, the weights and the data order.
        clip_frames: frames of the video that ``predict`` runs on.
        clip_fps: its frame rate.
    """

    videos: int = 300
    frames: int = 24
    size: int = 32
    epochs: int = 16
    learning_rate: float = 3e-3
    batch_size: int = 32
    seed: int = 0
    clip_frames: int = 120
    clip_fps: float = 10.0

    def __post_init__(self) -> None:
        minimum = {"videos": 6, "frames": 1, "size": 32, "epochs": 1, "batch_size": 1}
        minimum["clip_frames"] = 1
        for key, lowest in minimum.items():
            if getattr(self, key) < lowest:
                raise ValueError(
                    f"demo setting {key} must be >= {lowest}, got {getattr(self, key)}"
                )
        for key in ("learning_rate", "clip_fps"):
            if not getattr(self, key) > 0:
                raise ValueError(f"demo setting {key} must be > 0, got {getattr(self, key)}")

    @classmethod
    def from_overrides(cls, items: Sequence[str]) -> DemoSettings:
        """The defaults with ``key=value`` changes (the demo's hidden ``--set`` option).

        Raises:
            ValueError: an unknown key, a missing ``=`` or a value of the wrong type.
        """
        fields = {field.name: field for field in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for item in items:
            key, sep, text = item.partition("=")
            key = key.strip()
            if not sep:
                raise ValueError(f"demo setting {item!r}: expected key=value")
            if key not in fields:
                raise ValueError(f"demo setting {key!r}: unknown; valid: {', '.join(fields)}")
            kind = float if fields[key].type in ("float", float) else int
            try:
                values[key] = kind(text)
            except ValueError:
                raise ValueError(
                    f"demo setting {key}={text!r}: expected a {kind.__name__}"
                ) from None
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def train_overrides(settings: DemoSettings) -> list[str]:
    """The ``--set key=value`` items of the demo's training run (recipe ``mtl_fusion``)."""
    return [
        f"stage={STAGE}",
        "tasks=expr,au,va",
        "backbone=tiny",
        f"image_size={settings.size}",
        f"batch_size={settings.batch_size}",
        f"epochs={settings.epochs}",
        f"learning_rate={settings.learning_rate:g}",
        "schedule=cosine",
        "expr_loss=ce",
        "augment_flip=true",  # the demo's measured setting (seed 001's recipe has none)
        "augment_translate=0",
        "face_framing=synthetic",  # predict cuts the clip's faces as the drawn crops are framed
        f"seed={settings.seed}",
        "input_pipeline=in_memory",
    ]


def train_command(settings: DemoSettings, data: str, run_dir: str) -> str:
    """The ``affectkeras train`` command line that trains the same model."""
    sets = " ".join(f"--set {item}" for item in train_overrides(settings))
    return f"affectkeras train --recipe {RECIPE} --data {data} {sets} --out {run_dir}"
