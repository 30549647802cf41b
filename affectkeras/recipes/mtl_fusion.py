"""Recipe ``mtl_fusion``: seed 001's multi-task model fused with single-task models (Chang et al.).

Chang et al. (ABAW4 MTL challenge, Sec. 2) train

- one hard-parameter-sharing multi-task network: a ResNet-50 shared by the three tasks, one
  linear layer per task, trained on the sum of the task losses
  ``L = L_1 + L_2 + L_3`` with
  ``L_1 = w_y * CE(f_exp(E(x)), y_exp)`` (8 expressions, ``w_y`` = number of samples / number
  of samples of class y), ``L_2 = FL(f_au(E(x)), y_au)`` (focal loss: positives weighted by
  1 - p, negatives by p) and ``L_3 = 1 - CCC(f_va(E(x)), y_va)``;
- one single-task network per task with the same loss (recipe ``single_task``);

and at inference fuse, per task, ``p_final = lambda * p_single + (1 - lambda) * p_multi`` with
lambda = 0.4 for VA and 0.6 for expressions and AUs (their observation: multi-task wins on VA,
single-task on expressions and AUs). Training (Sec. 3.2): Adam, learning rate 5e-5, batch 64,
ResNet-50 with a linear layer per task; scored by their P = 0.5 (CCC_a + CCC_v) + 0.125
sum F1_expr + sum F1_au / 12 (``mtl_p``, the checkpoint monitor of the multi-task stage).

Stages (``recipes.engine.stages``), each an ordinary run in ``RUN_DIR/<stage>/``:
``mtl`` (the multi-task network, :class:`HardSharingMTL`), then ``expr``, ``au``, ``va`` (the
single-task networks of the trained tasks). ``combine`` builds the fused predictor
(``affectkeras.models.build_fused_predictor``): ONE Keras model taking ``image`` whose
``expression``/``action_units``/``valence_arousal`` outputs are :class:`PredictionFusion`
layers over the nested multi-task and single-task models; it is RUN_DIR/model.keras.
The paper does not give the number of epochs; we default to 10. Nor how L_1 is reduced over a
batch: ``ce_normalization: weights`` (default; ``sum w_y CE / sum w_y``, PyTorch's weighted CE,
the authors' framework) keeps L_1 on the scale of L_2 and L_3, ``labelled`` (``/ #labelled``)
makes it about 8 times a plain CE (``engine.task_losses``; docs/losses_and_metrics.md).

Example:
    >>> config = MTLFusion().config()
    >>> config.learning_rate, config.batch_size, config.fusion_expr, config.fusion_va
    (5e-05, 64, 0.6, 0.4)
    >>> [stage.name for stage in MTLFusion().stages(config, None)]
    ['mtl', 'expr', 'au', 'va']
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import keras

from affectkeras.models import build_fused_predictor, build_task_model
from affectkeras.output_spec import TASK_KEYS, OutputSpec
from affectkeras.predictor import load_predictor
from affectkeras.recipes.engine.base import Models, Recipe, predictor_of
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.engine.stages import Stage, StagedConfig, StagedRecipe, derive
from affectkeras.recipes.engine.task_losses import TaskLossConfig, task_losses
from affectkeras.recipes.single_task import SingleTask, SingleTaskConfig

MULTI_STAGE = "mtl"


@dataclasses.dataclass
class HardSharingConfig(TaskLossConfig):
    """Seed 001's multi-task network (Sec. 2, 3.2): a shared ResNet-50 at 112 px, a linear layer
    per task, the summed losses L_1 + L_2 + L_3, Adam at 5e-5, batch 64."""

    tasks: str = "expr,au,va"
    backbone: str = "resnet50"
    image_size: int = 112
    head: str = "linear"
    epochs: int | None = 10  # not given by the paper
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 5e-5
    augment_flip: bool = False  # the paper lists no augmentation
    augment_translate: float = 0.0
    validation_datasets: list[str] = dataclasses.field(
        default_factory=lambda: ["affwild2-mtl", "affwild2"]
    )

    def validate(self) -> None:
        super().validate()
        if len(self.task_keys) < 2:
            raise ValueError(
                f"mtl_fusion shares one network between tasks; tasks={self.tasks!r} has one "
                "(use single_task for one task)"
            )


@dataclasses.dataclass
class MTLFusionConfig(HardSharingConfig, StagedConfig):
    """``HardSharingConfig`` plus the fusion weights (lambda of p_final) and the stage.

    Attributes:
        fusion_expr: lambda for expressions (the single-task model's share); paper 0.6.
        fusion_au: lambda for action units; paper 0.6.
        fusion_va: lambda for valence/arousal; paper 0.4.
        single_monitor: ``monitor`` of the single-task stages (the paper's F1; CCC for VA).
        stage: ``all``, or one of ``mtl``, ``expr``, ``au``, ``va``.
    """

    stage_names: ClassVar[tuple[str, ...]] = (MULTI_STAGE, *TASK_KEYS)
    fusion_expr: float = 0.6
    fusion_au: float = 0.6
    fusion_va: float = 0.4
    single_monitor: str = "f1"

    def validate(self) -> None:
        super().validate()
        for key in ("fusion_expr", "fusion_au", "fusion_va"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ValueError(f"{key} must be in [0, 1], got {getattr(self, key)}")

    def fusion_weights(self) -> dict[str, float]:
        """Task name -> lambda, for the trained tasks."""
        by_key = {"expr": self.fusion_expr, "au": self.fusion_au, "va": self.fusion_va}
        return {TASK_KEYS[key]: by_key[key] for key in self.task_keys}


class HardSharingMTL(Recipe):
    """The multi-task stage: one shared backbone, a linear layer per task, L_1 + L_2 + L_3."""

    name = "mtl_fusion.mtl"
    config_class = HardSharingConfig

    def build(self, config: HardSharingConfig, spec: OutputSpec, tables: RunTables) -> Models:
        model = build_task_model(self.backbone(config), spec, head=config.head)
        return Models(model, predictor_of(model, spec.names))

    def losses(self, config: HardSharingConfig, spec: OutputSpec, tables: RunTables):
        chosen = task_losses(config, spec, tables)
        return chosen, {name: 1.0 for name in chosen}  # L = L_1 + L_2 + L_3


class MTLFusion(StagedRecipe):
    """Seed 001: multi-task and single-task networks, fused at inference (see the module doc)."""

    name = "mtl_fusion"
    config_class = MTLFusionConfig

    def stages(self, config: MTLFusionConfig, run_path: Path | None) -> list[Stage]:
        stages = [Stage(MULTI_STAGE, HardSharingMTL(), derive(HardSharingConfig, config))]
        for key in config.task_keys:
            single = derive(SingleTaskConfig, config, tasks=key, monitor=config.single_monitor)
            stages.append(Stage(key, SingleTask(), single))
        return stages

    def combine(
        self, config: MTLFusionConfig, run_path: Path, stage_dirs: dict[str, Path]
    ) -> keras.Model:
        multi = load_predictor(stage_dirs[MULTI_STAGE])
        singles = {TASK_KEYS[key]: load_predictor(stage_dirs[key]) for key in config.task_keys}
        return build_fused_predictor(multi, singles, config.fusion_weights())
