"""The per-task losses a recipe chooses by config: ``expr_loss``, ``au_loss``, ``au_focal_gamma``.

Shared by the ``single_task`` recipe and seed 001's ``mtl_fusion`` (whose single-task stages are
``single_task`` runs): one canonical loss per task of the OutputSpec.

- ``expr_loss``: ``weighted_ce`` (seed 001: L_1 = w_y * CE with w_y = number of samples /
  number of samples of class y, from the training labels), ``ce`` (plain cross-entropy), or
  ``focal`` (seed 000's eq. 1-2, alpha = 2, gamma = 0.25);
- ``ce_normalization``: how ``weighted_ce`` reduces ``w_y * CE`` over a batch: ``weights``
  (default; divided by the sum of the labelled samples' ``w_y``, PyTorch's weighted mean, which
  the authors most likely used: L_1 stays on the scale of L_2 and L_3) or ``labelled`` (divided
  by their number: about C = 8 times a plain CE with ``w = N / N_c``, so L_1 dominates
  ``L_1 + L_2 + L_3``). See ``affectkeras.losses.weighted_ce`` and docs/losses_and_metrics.md;
- ``au_loss``: ``focal`` (seed 001's L_2: positives weighted by 1 - p, negatives by p, i.e.
  gamma = ``au_focal_gamma`` = 1) or ``bce``;
- valence/arousal: ``1 - CCC`` (L_3).

Example:
    >>> config = TaskLossConfig(tasks="au", au_loss="bce")
    >>> from affectkeras.output_spec import OutputSpec
    >>> chosen = task_losses(config, OutputSpec.create("au"), None)
    >>> [type(loss).__name__ for loss in chosen.values()]
    ['MaskedBinaryCrossentropy']
"""

from __future__ import annotations

import dataclasses

from affectkeras import losses
from affectkeras.losses.weighted_ce import NORMALIZATIONS as CE_NORMALIZATIONS
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine.config import TrainConfig
from affectkeras.recipes.engine.inputs import RunTables

EXPRESSION_LOSSES = ("weighted_ce", "ce", "focal")
AU_LOSSES = ("focal", "bce")


@dataclasses.dataclass
class TaskLossConfig(TrainConfig):
    """``TrainConfig`` plus the choice of each task's loss.

    Attributes:
        expr_loss: ``weighted_ce`` (seed 001: w_y = samples / class samples), ``ce`` or
            ``focal`` (seed 000's alpha/gamma).
        au_loss: ``focal`` (seed 001) or ``bce``.
        au_focal_gamma: the AU focal loss's gamma (1 = seed 001's 1 - p / p weights).
        label_smoothing: e for the ``weighted_ce``/``ce`` expression loss (targets
            ``(1 - e) * onehot + e / C``); 0 = none, the papers' choice.
        ce_normalization: ``weights`` (sum w_y CE / sum w_y, PyTorch's weighted mean) or
            ``labelled`` (sum w_y CE / number of labelled samples) for ``weighted_ce``.
    """

    expr_loss: str = "weighted_ce"
    au_loss: str = "focal"
    au_focal_gamma: float = 1.0
    label_smoothing: float = 0.0
    ce_normalization: str = "weights"

    def validate(self) -> None:
        super().validate()
        if self.expr_loss not in EXPRESSION_LOSSES:
            raise ValueError(f"expr_loss={self.expr_loss!r}; choose one of {EXPRESSION_LOSSES}")
        if self.au_loss not in AU_LOSSES:
            raise ValueError(f"au_loss={self.au_loss!r}; choose one of {AU_LOSSES}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.label_smoothing and self.expr_loss == "focal":
            raise ValueError("label_smoothing is for expr_loss=ce or weighted_ce, not focal")
        if self.ce_normalization not in CE_NORMALIZATIONS:
            raise ValueError(
                f"ce_normalization={self.ce_normalization!r}; choose one of {CE_NORMALIZATIONS}"
            )


def task_losses(config: TaskLossConfig, spec: OutputSpec, tables: RunTables | None) -> dict:
    """The configured loss of each canonical task in ``spec``."""
    chosen = {}
    for task in spec:
        if task.name == "expression":
            if config.expr_loss == "focal":
                chosen[task.name] = losses.FocalCrossEntropy()
            elif config.expr_loss == "weighted_ce":
                weights = losses.class_weights_from_labels(task.targets(tables.train), task.size)
                chosen[task.name] = losses.WeightedCrossEntropy(
                    class_weights=weights,
                    label_smoothing=config.label_smoothing,
                    normalization=config.ce_normalization,
                )
            else:
                chosen[task.name] = losses.WeightedCrossEntropy(
                    label_smoothing=config.label_smoothing
                )
        elif task.name == "action_units":
            if config.au_loss == "focal":
                chosen[task.name] = losses.BinaryFocalCrossEntropy(gamma=config.au_focal_gamma)
            else:
                chosen[task.name] = losses.MaskedBinaryCrossentropy()
        elif task.name == "valence_arousal":
            chosen[task.name] = losses.CCCLoss()
        else:
            raise ValueError(f"No single-task loss for output {task.name!r}")
    return chosen
