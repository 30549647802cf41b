"""Recipe ``sequential_mtl``: seed 000's sequential multi-task training (Phan et al., ABAW2).

Aff-Wild2 labels some frames for expressions only, some for action units only and some for
both. Algorithm 1 of the paper trains one shared network on the three sets in turn, every
epoch:

    for t = 1 .. T:
        for each batch E_i of E (expression only):  e = Model(E_i);    Loss = F(e);    update
        for each batch A_i of A (AU only):          a = Model(A_i);    Loss = F(a);    update
        for each batch B_i of B (both):             e, a = Model(B_i); Loss = F(e, a); update

The model (Sec. 2.2) is ResNet-50 at 112 x 112 px, a shared Dense 512, then a 7-unit
expression layer and a 12-unit AU layer (``head=dense512``). The losses (Sec. 2.3): the focal
loss of eq. 1-2, ``FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t)``, for expressions, with the
printed alpha = 2 and gamma = 0.25 (the reverse of Lin et al.'s 0.25 / 2; both are config keys:
``focal_alpha``, ``focal_gamma``); binary cross-entropy per AU; on B the two summed with equal
weight. Training (Sec. 3.1): Adam, batch 256, cosine annealing from 1e-3, best results after
about 10 epochs, no augmentation.

How Algorithm 1 maps onto one ``model.fit``: the training feed's sampler is
``Sampler.blocks([E, A, B])``, so each epoch's stream is all of E's batches, then A's, then
B's (each set shuffled, its last batch filled up with more of the same set, so no batch mixes
two sets). The compiled loss is always ``focal(expression) + BCE(action_units)``; both mask the
MISSING sentinels (contract 3), so on an E batch the AU term is exactly 0 with exactly zero
gradient and the update is F(e) alone, on an A batch F(a) alone, on a B batch F(e, a). That is
why ``steps_per_epoch`` is refused: a shorter epoch would cut Algorithm 1's order short.

The tables score each task with its ABAW2 challenge score (expression 0.67 F1 + 0.33 acc, AU
0.5 F1 + 0.5 acc); the checkpoint is selected on their sum (``monitor=abaw2``).

The paper's test protocol (train + validation merged, K-fold, predictions averaged) is not part
of this recipe: see docs/training.md.

Example:
    >>> config = SequentialMTL().config()
    >>> config.batch_size, config.learning_rate, config.schedule, config.head
    (256, 0.001, 'cosine', 'dense512')
    >>> config.focal_alpha, config.focal_gamma
    (2.0, 0.25)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from affectkeras import losses
from affectkeras.data.feed import Feed, make_feed
from affectkeras.data.sampling import Sampler
from affectkeras.data.subsets import task_subsets
from affectkeras.models import build_task_model
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.base import Models, Recipe
from affectkeras.recipes.config import TrainConfig
from affectkeras.recipes.inputs import RunTables
from affectkeras.recipes.single_task import predictor_of

SUBSET_ORDER = ("E", "A", "B")
"""Algorithm 1's order of the three sets within an epoch."""


@dataclasses.dataclass
class SequentialMTLConfig(TrainConfig):
    """``TrainConfig`` with seed 000's defaults.

    Attributes:
        focal_alpha: alpha_t of the expression focal loss (eq. 2); the paper prints 2.
        focal_gamma: gamma of the expression focal loss (eq. 2); the paper prints 0.25.
    """

    tasks: str = "expr,au"
    backbone: str = "resnet50"
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
    focal_alpha: float = 2.0
    focal_gamma: float = 0.25

    def validate(self) -> None:
        super().validate()
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


class SequentialMTL(Recipe):
    """Seed 000's Algorithm 1 (see the module doc)."""

    name = "sequential_mtl"
    summary = "seed 000 (Phan et al.): one network trained on E, then A, then B each epoch"
    config_class = SequentialMTLConfig

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
