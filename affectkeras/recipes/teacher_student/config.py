"""The config of recipe ``teacher_student`` (seed 002, Vu et al.), with the paper's defaults.

Sec. 4.1: Adam with learning rate 1e-4, at most 40 epochs with early stopping after five
epochs without improvement, batch 64 for the CNN and 16 for the GRU; sec. 3.3: ResNet-50 on
112x112 aligned faces, random translation and horizontal flip. What the paper leaves to Deng et
al. (bins, temperature) follows the authors' public code: 20 VA bins, T = 1.5. The head is the
paper's ``linear``; ``head: bn_fc128`` is the code's (per task BN, Dense 128, ReLU, BN, Dropout
0.5, Dense; the paper gives no dropout rate, 0.5 is the code's; see the recipe module doc).

Example:
    >>> config = TeacherStudentConfig()
    >>> config.learning_rate, config.epochs, config.patience, config.batch_size
    (0.0001, 40, 5, 64)
    >>> config.gru_batch_size, config.sequence_length, config.distill_lambda
    (16, 32, 0.6)
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from affectkeras.recipes.engine.stages import StagedConfig

TEACHER_STUDENT_STAGES = ("teacher", "student", "gru_teacher", "gru")
"""Stage names in order: CNN teacher (eq. 7), CNN student (eq. 10), GRU teacher, GRU student."""
BALANCE_CHOICES = ("classes", "none")
"""``balance``: class-balanced draws inside each task set, or uniform ones."""


@dataclasses.dataclass
class TeacherStudentConfig(StagedConfig):
    """``StagedConfig`` with seed 002's defaults and its own keys.

    Attributes:
        stage: ``all`` or one of ``teacher``, ``student``, ``gru_teacher``, ``gru`` (``gru``
            also runs ``gru_teacher`` first when that has not finished).
        va_bins: bins per VA dimension of the classification part of eq. 2.
        ccc_divisor: B of eq. 2's ``(1/B)(1 - CCC)`` (see ``affectkeras.losses.VABinsLoss``).
        temperature: T of the distillation softmax (eq. 4-6).
        distill_lambda: lambda of eq. 8 (weight of the ground truth; 1 - lambda the teacher's).
        share_annotations: eq. 10 (use a frame's second label when it has one) rather than
            eq. 9 (each set's own task only).
        expr_va_datasets: datasets forming the EXPR_VA set (``auto``: those with doubly
            labelled rows whose every row with a basic expression also has VA, like AffectNet
            with its VA-only contempt/none rows; ``none``: no EXPR_VA set). Logged per stage.
        balance: ``classes`` (default, our reading of "the same dataset balancing protocol as
            [3]"): draws inside each task set are balanced, expressions in EXPR and EXPR_VA,
            2-D VA bins in VA (``task_sets``); ``none``: uniform draws inside each set.
        balance_va_bins: bins per VA axis of the VA set's balancing (20, as [3]'s code).
        patience: early stopping after this many epochs without a better ``val_score``
            (``none``: off).
        sequence_length: frames per GRU sequence (and window of the GRU predictor).
        gru_batch_size: sequences per GRU batch.
        gru_units: GRU units per direction (the paper gives none).
        gru_epochs: epochs of the GRU stages (``none``: ``epochs``).
        teacher_model, student_model, gru_teacher_model: a ``model.keras`` to use instead
            of the one of the earlier stage in the same RUN_DIR.
    """

    stage_names: ClassVar[tuple[str, ...]] = TEACHER_STUDENT_STAGES

    tasks: str = "expr,va"
    backbone: str = "resnet50"
    image_size: int = 112
    head: str = "linear"
    epochs: int | None = 40
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 1e-4
    augment_flip: bool = True
    augment_translate: float = 0.1
    monitor: str = "abaw2"  # 0.67 F1 + 0.33 acc for expressions, + the VA CCC (Sec. 4)
    validation_datasets: list[str] = dataclasses.field(default_factory=lambda: ["affwild2"])
    stage: str = "all"
    va_bins: int = 20
    ccc_divisor: float = 1.0
    temperature: float = 1.5
    distill_lambda: float = 0.6
    share_annotations: bool = True
    expr_va_datasets: list[str] = dataclasses.field(default_factory=lambda: ["auto"])
    balance: str = "classes"
    balance_va_bins: int = 20
    patience: int | None = 5
    sequence_length: int = 32
    gru_batch_size: int = 16
    gru_units: int = 128
    gru_epochs: int | None = None
    teacher_model: str | None = None
    student_model: str | None = None
    gru_teacher_model: str | None = None

    def validate(self) -> None:
        super().validate()
        if self.task_keys != ["expr", "va"]:
            raise ValueError(
                f"teacher_student trains expressions and valence/arousal together (seed 002); "
                f"tasks={self.tasks!r}: use tasks=expr,va"
            )
        if not 0.0 <= self.distill_lambda <= 1.0:
            raise ValueError(f"distill_lambda must be in [0, 1], got {self.distill_lambda}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if self.va_bins < 2:
            raise ValueError(f"va_bins must be >= 2, got {self.va_bins}")
        if self.balance not in BALANCE_CHOICES:
            raise ValueError(f"balance must be one of {BALANCE_CHOICES}, got {self.balance!r}")
        for key in ("sequence_length", "gru_batch_size", "gru_units", "balance_va_bins"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key} must be >= 1, got {getattr(self, key)}")
        for key in ("patience", "gru_epochs"):
            value = getattr(self, key)
            if value is not None and value < 1:
                raise ValueError(f"{key} must be >= 1 or none, got {value}")
