"""The config of recipe ``temporal_stat`` (seed 004, Do et al.), with the paper's defaults.

The paper states: ResNet-50 pre-trained on VGGFace2 (``resnet50_vggface2``; load the weights
with ``backbone_weights``, or start from a run with ``init_from``; without either the default
``trainable=last_stage`` is refused, as it would freeze random weights), only the last stage and
the heads trained, windows of s = 16 or 32
frames, one or two bidirectional LSTM layers of 1024 units, eq. 4's weights 1 / 0.4 / 0.4 / 0.2,
learning rate 1e-4 ("SGD, Adam"; we use Adam), balanced emotion sampling. It does not state the
batch size, the number of epochs or the branch width: we use 32, 10 and 256.

Example:
    >>> config = TemporalStatConfig()
    >>> config.window, config.learning_rate, config.variant_numbers
    (16, 0.0001, [1, 2, 3, 4, 5, 6])
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from affectkeras.models.temporal import STAT_LSTM_VARIANTS
from affectkeras.recipes.engine.stages import StagedConfig

TRAINABLE = ("last_stage", "all")
FRAME, TEMPORAL = "frame", "temporal"


@dataclasses.dataclass
class TemporalStatConfig(StagedConfig):
    """``StagedConfig`` with seed 004's defaults and its own keys.

    Attributes:
        stage: ``all``, ``frame``, ``temporal`` (every variant of ``variants``) or
            ``temporal<N>`` (one variant).
        window: s, frames per window ending at the current frame (16 or 32 in the paper).
        variants: the Table I models to train (comma list of 1-6); with several, the final
            predictor is their average fusion (Table II's "Fusion" row).
        variant: the one variant a temporal stage trains (set per stage by the recipe).
        lstm_layers, lstm_units: the LSTM module (1 or 2 bidirectional layers, 1024 units).
        branch_units: width of each branch's first Dense layer.
        trainable: ``last_stage`` (the paper: the backbone's last stage and the heads) or
            ``all`` (the whole frame model, e.g. a backbone without pretrained weights).
        balanced: balanced emotion sampling (else frames as frequent as in the data).
        frame_model: a frame model ``model.keras`` to use instead of RUN_DIR/frame's.
        frame_data: data specs the ``frame`` stage fine-tunes on (the paper: AffectNet +
            RAF-DB); empty: the run's own ``data``. The temporal stages train on ``data``.
    """

    stage_names: ClassVar[tuple[str, ...]] = (
        FRAME,
        TEMPORAL,
        *(f"{TEMPORAL}{n}" for n in range(1, 7)),
    )

    tasks: str = "expr,va"
    backbone: str = "resnet50_vggface2"
    image_size: int = 112
    head: str = "linear"
    epochs: int | None = 10
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 1e-4
    monitor: str = "abaw2"  # the ABAW2 expression score (0.67 F1 + 0.33 acc) + the VA CCC
    validation_datasets: list[str] = dataclasses.field(default_factory=lambda: ["affwild2"])
    window: int = 16
    variants: str = "1,2,3,4,5,6"
    variant: int = 6
    lstm_layers: int = 1
    lstm_units: int = 1024
    branch_units: int = 256
    trainable: str = "last_stage"
    balanced: bool = True
    frame_model: str | None = None
    frame_data: list[str] = dataclasses.field(default_factory=list)

    @property
    def variant_numbers(self) -> list[int]:
        """``variants`` as sorted ints."""
        items = [item.strip() for item in str(self.variants).split(",") if item.strip()]
        try:
            numbers = sorted({int(item) for item in items})
        except ValueError:
            raise ValueError(f"variants={self.variants!r}: expected numbers 1-6") from None
        if not numbers or any(n not in STAT_LSTM_VARIANTS for n in numbers):
            raise ValueError(f"variants={self.variants!r}: choose among 1-6 (Table I)")
        return numbers

    def validate(self) -> None:
        super().validate()
        if self.task_keys != ["expr", "va"]:
            raise ValueError(
                f"temporal_stat predicts expressions and valence/arousal (seed 004); "
                f"tasks={self.tasks!r}: use tasks=expr,va (odd variants train expressions only)"
            )
        self.variant_numbers  # noqa: B018 - raises on a bad value
        if self.variant not in STAT_LSTM_VARIANTS:
            raise ValueError(f"variant must be one of 1-6 (Table I), got {self.variant}")
        if self.window < 1:
            raise ValueError(f"window must be >= 1, got {self.window}")
        if self.lstm_layers not in (1, 2):
            raise ValueError(f"lstm_layers must be 1 or 2, got {self.lstm_layers}")
        if self.trainable not in TRAINABLE:
            raise ValueError(f"trainable={self.trainable!r}; choose one of {list(TRAINABLE)}")
