"""Recipe ``sequential_mtl``: seed 000's sequential multi-task training (Phan et al., ABAW2).

Aff-Wild2 labels some frames for expressions only, some for action units only and some for
both. Algorithm 1 of the paper trains one shared network on the three sets in turn, every
epoch:

    for t = 1 .. T:
        for each batch E_i of E (expression only):  e = Model(E_i);    Loss = F(e);    update
        for each batch A_i of A (AU only):          a = Model(A_i);    Loss = F(a);    update
        for each batch B_i of B (both):             e, a = Model(B_i); Loss = F(e, a); update

The model (Sec. 2.2) is ResNet-50 at 112 x 112 px, initialised from VGGFace2 weights, a shared
Dense 512, then a 7-unit expression layer and a 12-unit AU layer (``head=dense512``). The default
backbone is therefore the VGGFace2 variant, ``resnet50_vggface2``; its weights cannot ship with
the package, so give them with ``backbone_weights=FILE.h5`` (keras-vggface's file; see
docs/models.md) or ``init_from``. Without either the run trains from random weights, which it
logs as a warning at the start (the paper's Table 1 shows what that costs: ~0.1 lower).

The losses (Sec. 2.3): the focal loss of eq. 1-2, ``FL(p_t) = -alpha_t (1 - p_t)^gamma
log(p_t)``, for expressions, with the printed alpha = 2 and gamma = 0.25 (the reverse of Lin et
al.'s 0.25 / 2; both are config keys: ``focal_alpha``, ``focal_gamma``); binary cross-entropy
per AU; on B the two summed with equal weight. Training (Sec. 3.1): Adam, batch 256, cosine
annealing from 1e-3, best results after about 10 epochs, no augmentation.

How Algorithm 1 maps onto one ``model.fit``: the training feed's sampler is
``Sampler.blocks([E, A, B])``, so each epoch's stream is all of E's batches, then A's, then
B's (each set shuffled, its last batch filled up with more of the same set, so no batch mixes
two sets). The compiled loss is always ``focal(expression) + BCE(action_units)``; both mask the
MISSING sentinels (contract 3), so on an E batch the AU term is exactly 0 with exactly zero
gradient and the update is F(e) alone, on an A batch F(a) alone, on a B batch F(e, a). That is
why ``steps_per_epoch`` is refused: a shorter epoch would cut Algorithm 1's order short.

The tables score each task with its ABAW2 challenge score (expression 0.67 F1 + 0.33 acc, AU
0.5 F1 + 0.5 acc); the checkpoint is selected on their sum (``monitor=abaw2``).

``folds=K`` (K >= 2) runs the paper's test protocol (Sec. 3.2: training and validation sets
merged, K-fold, the final prediction from the K models) as a staged run
(``recipes.engine.stages``): stage ``fold<k>`` trains Algorithm 1 on every fold but k of
train + validation (``recipes.engine.kfold``, video-disjoint folds) and validates on fold k;
the final model.keras averages the K models' predictions in one Keras model. Its top-level
metrics.json scores that model on the validation split, which the folds trained on: not a
held-out score (each ``fold<k>/metrics.json`` is). With ``folds=0`` (default) it is one
ordinary run.

Example:
    >>> config = SequentialMTL().config()
    >>> config.batch_size, config.learning_rate, config.schedule, config.head
    (256, 0.001, 'cosine', 'dense512')
    >>> config.focal_alpha, config.focal_gamma
    (2.0, 0.25)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np

from affectkeras import losses
from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.data.feeding.sampling import Sampler
from affectkeras.data.feeding.subsets import task_subsets
from affectkeras.models import build_averaged_predictor, build_task_model
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import load_predictor
from affectkeras.recipes.engine.base import Models, Recipe, predictor_of
from affectkeras.recipes.engine.inputs import RunTables, run_tables
from affectkeras.recipes.engine.kfold import fold_tables
from affectkeras.recipes.engine.stages import Stage, StagedConfig, StagedRecipe

SUBSET_ORDER = ("E", "A", "B")
"""Algorithm 1's order of the three sets within an epoch."""
MAX_FOLDS = 20


@dataclasses.dataclass
class SequentialMTLConfig(StagedConfig):
    """``TrainConfig`` with seed 000's defaults.

    Attributes:
        focal_alpha: alpha_t of the expression focal loss (eq. 2); the paper prints 2.
        focal_gamma: gamma of the expression focal loss (eq. 2); the paper prints 0.25.
        folds: 0 (one run) or K >= 2: K-fold over train + validation, averaged predictions.
        fold: set by a K-fold run on its stages (the fold held out, 1..K); 0 otherwise.
        stage: with ``folds``: ``all`` or one ``fold<k>``.
    """

    stage_names: ClassVar[tuple[str, ...]] = tuple(f"fold{k}" for k in range(1, MAX_FOLDS + 1))
    tasks: str = "expr,au"
    backbone: str = "resnet50_vggface2"
    image_size: int = 112
    head: str = "dense512"
    epochs: int | None = 10
    batch_size: int = 256
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str = "cosine"
    augment_flip: bool = False
    augment_translate: float = 0.0
    monitor: str = "abaw2"
    validation_datasets: list[str] = dataclasses.field(default_factory=lambda: ["affwild2"])
    focal_alpha: float = 2.0
    focal_gamma: float = 0.25
    folds: int = 0
    fold: int = 0

    def validate(self) -> None:
        super().validate()
        if self.folds == 1 or not 0 <= self.folds <= MAX_FOLDS:
            raise ValueError(f"folds must be 0 (no K-fold) or 2..{MAX_FOLDS}, got {self.folds}")
        if not 0 <= self.fold <= self.folds:
            raise ValueError(f"fold={self.fold}: must be 0..folds ({self.folds})")
        if self.stage != "all" and not self.folds:
            raise ValueError(f"stage={self.stage!r}: sequential_mtl has stages only with folds")
        if self.task_keys != ["expr", "au"]:
            raise ValueError(
                f"sequential_mtl trains Algorithm 1's expression and AU sets; tasks={self.tasks!r}"
                " (use tasks=expr,au)"
            )
        if self.steps_per_epoch is not None:
            raise ValueError(
                f"steps_per_epoch={self.steps_per_epoch}: an epoch of sequential_mtl is one pass "
                "over E, then A, then B (Algorithm 1); leave steps_per_epoch at none"
            )
        if self.focal_alpha <= 0:
            raise ValueError(f"focal_alpha must be > 0, got {self.focal_alpha}")
        if self.focal_gamma < 0:
            raise ValueError(f"focal_gamma must be >= 0, got {self.focal_gamma}")


class SequentialMTL(StagedRecipe):
    """Seed 000's Algorithm 1, optionally K-fold over train + validation (see the module doc)."""

    name = "sequential_mtl"
    config_class = SequentialMTLConfig

    def train(self, data, out, config: SequentialMTLConfig | None = None, callbacks=()):
        """One ordinary run, or (``folds`` >= 2) the K fold stages and their average."""
        config = config or self.config()
        if config.folds and not config.fold:
            return StagedRecipe.train(self, data, out, config, callbacks)
        return Recipe.train(self, data, out, config, callbacks)

    def stages(self, config: SequentialMTLConfig, run_path: Path | None) -> list[Stage]:
        stages = []
        for fold in range(1, config.folds + 1):
            values = {**config.to_dict(), "fold": fold, "stage": "all"}
            values.pop("recipe")
            stages.append(Stage(f"fold{fold}", SequentialMTL(), SequentialMTLConfig(**values)))
        return stages

    def combine(
        self, config: SequentialMTLConfig, run_path: Path, stage_dirs: dict[str, Path]
    ) -> keras.Model:
        return build_averaged_predictor({name: load_predictor(d) for name, d in stage_dirs.items()})

    def tables(self, config: SequentialMTLConfig, data: list[str]) -> RunTables:
        tables = run_tables(data, config)
        if config.fold:
            return fold_tables(tables, config.folds, config.fold, config.seed)
        return tables

    def train_feed(self, config: SequentialMTLConfig, tables: RunTables, spec: OutputSpec) -> Feed:
        sampler = algorithm1_sampler(tables.train, config.batch_size, config.seed)
        return make_feed(tables.train, spec, config.image_size, sampler=sampler)

    def build(self, config: SequentialMTLConfig, spec: OutputSpec, tables: RunTables) -> Models:
        model = build_task_model(self.backbone(config), spec, head=config.head)
        return Models(model, predictor_of(model, spec.names))

    def losses(self, config: SequentialMTLConfig, spec: OutputSpec, tables: RunTables):
        chosen = {
            "expression": losses.FocalCrossEntropy(
                alpha=config.focal_alpha, gamma=config.focal_gamma
            ),
            "action_units": losses.MaskedBinaryCrossentropy(),
        }
        return chosen, {"expression": 1.0, "action_units": 1.0}  # Sec. 2.3: same weight


def algorithm1_sets(table) -> dict[str, np.ndarray]:
    """Rows of E (expression only), A (AUs only) and B (both), in Algorithm 1's order."""
    subsets = task_subsets(table, "expression", "action_units")
    return {name: subsets[name] for name in SUBSET_ORDER}


def algorithm1_sampler(table, batch_size: int, seed: int = 0) -> Sampler:
    """Each epoch: the batches of E, then of A, then of B (``Sampler.blocks``).

    Example:
        >>> from affectkeras.data.table import make_table
        >>> table = make_table({"path": list("abcdef"), "split": "train",
        ...                     "expression": [1, -1, 2, 3, -1, -1], "AU1": [-1, 1, 0, 1, 0, -1]},
        ...                    "affwild2")
        >>> {name: rows.tolist() for name, rows in algorithm1_sets(table).items()}
        {'E': [0], 'A': [1, 4], 'B': [2, 3]}
        >>> order = algorithm1_sampler(table, batch_size=1, seed=0).indices(0).tolist()
        >>> order[0], sorted(order[1:3]), sorted(order[3:5])
        (0, [1, 4], [2, 3])
    """
    sets = algorithm1_sets(table)
    if not any(len(rows) for rows in sets.values()):
        raise ValueError("sequential_mtl: no training row is labelled for expressions or AUs")
    return Sampler.blocks([sets[name] for name in SUBSET_ORDER], batch_size, seed=seed)
