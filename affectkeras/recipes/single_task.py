"""Recipe ``single_task``: one task on its own network, the seeds' single-task baselines.

Defaults are seed 001's single-task models (Chang et al., Sec. 2 and 3.2): ResNet-50 at 112 px,
one linear layer per task, Adam with learning rate 5e-5, batch 64, and the task's loss:

- expressions: class-weighted cross-entropy L_1 = w_y * CE(f_exp(E(x)), y_exp), with
  w_y = (number of samples) / (number of samples of class y) from the training labels;
- action units: focal loss L_2 = FL(f_au(E(x)), y_au) (positives weighted by 1 - p, negatives
  by p: gamma = 1);
- valence/arousal: L_3 = 1 - CCC.

The same recipe gives seed 003's single-task networks of its Fig. 1(a) with
``--set expr_loss=ce,au_loss=bce`` style overrides (plain cross-entropies), and seed 000's
expression-only/AU-only baselines with ``expr_loss=focal``.

Example:
    >>> config = SingleTask().config(overrides=["tasks=au"])
    >>> config.learning_rate, config.batch_size, config.au_loss
    (5e-05, 64, 'focal')
"""

from __future__ import annotations

import dataclasses

import keras

from affectkeras import losses
from affectkeras.models import build_task_model
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.base import Models, Recipe
from affectkeras.recipes.config import TrainConfig
from affectkeras.recipes.inputs import RunTables

EXPRESSION_LOSSES = ("weighted_ce", "ce", "focal")
AU_LOSSES = ("focal", "bce")


@dataclasses.dataclass
class Seed001Config(TrainConfig):
    """Seed 001's training settings, shared by its single-task and multi-task networks.

    Attributes:
        expr_loss: ``weighted_ce`` (seed 001: w_y = samples / class samples), ``ce`` or
            ``focal`` (seed 000's alpha/gamma).
        au_loss: ``focal`` (seed 001) or ``bce``.
        au_focal_gamma: the AU focal loss's gamma (1 = seed 001's 1 - p / p weights).
    """

    backbone: str = "resnet50"
    image_size: int = 112
    head: str = "linear"
    epochs: int | None = 10
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 5e-5
    expr_loss: str = "weighted_ce"
    au_loss: str = "focal"
    au_focal_gamma: float = 1.0

    def validate(self) -> None:
        super().validate()
        if self.expr_loss not in EXPRESSION_LOSSES:
            raise ValueError(f"expr_loss={self.expr_loss!r}; choose one of {EXPRESSION_LOSSES}")
        if self.au_loss not in AU_LOSSES:
            raise ValueError(f"au_loss={self.au_loss!r}; choose one of {AU_LOSSES}")


@dataclasses.dataclass
class SingleTaskConfig(Seed001Config):
    """``Seed001Config`` for one task (seed 001's single-task models)."""

    tasks: str = "expr"

    def validate(self) -> None:
        super().validate()
        if len(self.task_keys) != 1:
            raise ValueError(
                f"single_task trains one task; tasks={self.tasks!r} (use expr, au or va)"
            )


class SingleTask(Recipe):
    """One task, one network (see the module doc)."""

    name = "single_task"
    summary = "one task (expr, au or va) on its own network: the seeds' single-task baselines"
    config_class = SingleTaskConfig

    def build(self, config: TrainConfig, spec: OutputSpec, tables: RunTables) -> Models:
        model = build_task_model(self.backbone(config), spec, head=config.head)
        return Models(model, predictor_of(model, spec.names))

    def losses(self, config: SingleTaskConfig, spec: OutputSpec, tables: RunTables):
        return task_losses(config, spec, tables), {}


def task_losses(config: SingleTaskConfig, spec: OutputSpec, tables: RunTables) -> dict:
    """The configured loss of each canonical task in ``spec``."""
    chosen = {}
    for task in spec:
        if task.name == "expression":
            if config.expr_loss == "focal":
                chosen[task.name] = losses.FocalCrossEntropy()
            elif config.expr_loss == "weighted_ce":
                weights = losses.class_weights_from_labels(task.targets(tables.train), task.size)
                chosen[task.name] = losses.WeightedCrossEntropy(class_weights=weights)
            else:
                chosen[task.name] = losses.WeightedCrossEntropy()
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


def predictor_of(model: keras.Model, names: tuple[str, ...] | list[str]) -> keras.Model:
    """A model sharing ``model``'s layers that outputs ``names`` (no optimiser or losses)."""
    outputs = {name: model.get_layer(name).output for name in names}
    return keras.Model(model.inputs, outputs, name=model.name)
