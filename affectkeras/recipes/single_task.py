"""Recipe ``single_task``: one task on its own network, the seeds' single-task baselines.

Defaults are seed 001's single-task models (Chang et al., Sec. 2 and 3.2): ResNet-50 at 112 px,
one linear layer per task, Adam with learning rate 5e-5, batch 64, and the task's loss:

- expressions: class-weighted cross-entropy L_1 = w_y * CE(f_exp(E(x)), y_exp), with
  w_y = (number of samples) / (number of samples of class y) from the training labels;
- action units: focal loss L_2 = FL(f_au(E(x)), y_au) (positives weighted by 1 - p, negatives
  by p: gamma = 1);
- valence/arousal: L_3 = 1 - CCC.

(``affectkeras.recipes.engine.task_losses``; seed 001's ``mtl_fusion`` trains its single-task
stages with this recipe.)

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

from affectkeras.models import build_task_model
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine.base import Models, Recipe, predictor_of
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.engine.task_losses import TaskLossConfig, task_losses


@dataclasses.dataclass
class SingleTaskConfig(TaskLossConfig):
    """One task on its own network; defaults are seed 001's single-task models (Sec. 3.2)."""

    tasks: str = "expr"
    backbone: str = "resnet50"
    image_size: int = 112
    head: str = "linear"
    epochs: int | None = 10  # not given by the paper
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 5e-5
    augment_flip: bool = False  # the paper lists no augmentation
    augment_translate: float = 0.0
    monitor: str = "f1"  # the paper scores single-task expressions and AUs by F1
    validation_datasets: list[str] = dataclasses.field(
        default_factory=lambda: ["affwild2-mtl", "affwild2"]
    )

    def validate(self) -> None:
        super().validate()
        if len(self.task_keys) != 1:
            raise ValueError(
                f"single_task trains one task; tasks={self.tasks!r} (use expr, au or va)"
            )


class SingleTask(Recipe):
    """One task, one network (see the module doc)."""

    name = "single_task"
    config_class = SingleTaskConfig

    def build(self, config: SingleTaskConfig, spec: OutputSpec, tables: RunTables) -> Models:
        model = build_task_model(self.backbone(config), spec, head=config.head)
        return Models(model, predictor_of(model, spec.names))

    def losses(self, config: SingleTaskConfig, spec: OutputSpec, tables: RunTables):
        return task_losses(config, spec, tables), {}
