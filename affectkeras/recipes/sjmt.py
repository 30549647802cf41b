"""Recipe ``sjmt``: seed 003's Selective Joint Multi-task learning (Pons & Masip).

Several datasets, each annotated for its own label set L^k (SFEW: 7 expressions; EmotioNet:
AUs and compound emotions), train ONE network with ONE sigmoid output layer over the union of
the label spaces (Fig. 1(c), eq. 2). Each sample's cross-entropy runs only over its dataset's
label set (eq. 1, with N = |L^k|):

    E(y_hat, y, k) = -1/|L^k| sum_{j in L^k} [y_j log y_hat_j + (1 - y_j) log(1 - y_hat_j)]

so an image without AU labels never pushes its AU units down. Images of all datasets are mixed
in the same batches. At test time each label space is read from its units (argmax for
expressions and compound emotions, a 0.5 threshold for AUs), and because every unit is predicted
for every image, expression images get AU scores too (their Fig. 2). The saved predictor outputs
``joint`` plus the canonical ``expression``/``action_units`` (and ``compound``) decoded from it.

``--set mode=alternating`` trains the classical multi-task baseline of their Fig. 1(b) for
comparison: shared layers, one output layer and cross-entropy per task (softmax CE for
expressions, sigmoid CE for AUs), fed batches of each task in turn.

Defaults (Sec. 4): ResNet-110 (ResNet-32 also compared) at 32x32 px, batch 128, learning rate
0.05 with exponential decay every 10,000 steps for 80,000 steps, pad-and-random-crop
augmentation, accuracy as the metric. The paper does not name the optimiser or the decay factor:
we use SGD with momentum 0.9 (the usual for CIFAR ResNets) and a factor of 0.5 (``decay_rate``).

Example:
    >>> config = SelectiveJointMultiTask().config()
    >>> config.backbone, config.image_size, config.batch_size, config.learning_rate
    ('resnet110', 32, 128, 0.05)
"""

from __future__ import annotations

import dataclasses
import logging

import keras
import numpy as np
import pandas as pd

from affectkeras import labels, losses
from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.data.feeding.sampling import Sampler
from affectkeras.data.table import labelled_action_units
from affectkeras.metrics.compound import compound_targets
from affectkeras.models import JointDecoder, build_task_model
from affectkeras.models.layers import JointToCanonical
from affectkeras.output_spec import OutputSpec
from affectkeras.recipes.engine.base import Models, Recipe, predictor_of
from affectkeras.recipes.engine.config import TrainConfig
from affectkeras.recipes.engine.inputs import RunTables

logger = logging.getLogger("affectkeras.recipes")

MODES = ("sjmt", "alternating")
EXTRA_AU_OUTPUT = "extra_action_units"
"""The SJMT predictor's output for AUs outside the canonical 12 (see ``joint_predictor``)."""


@dataclasses.dataclass
class SJMTConfig(TrainConfig):
    """``TrainConfig`` with seed 003's defaults.

    Attributes:
        mode: ``sjmt`` (one sigmoid layer, selective loss) or ``alternating`` (Fig. 1(b)).
        compound: also learn compound emotions where a dataset labels them (``label_native``),
            whatever ``tasks`` says (``mode=sjmt`` only).
    """

    tasks: str = "expr,au"
    backbone: str = "resnet110"
    image_size: int = 32
    head: str = "linear"
    epochs: int | None = None
    steps: int | None = 80000
    batch_size: int = 128
    optimizer: str = "sgd"
    learning_rate: float = 0.05
    momentum: float = 0.9
    schedule: str = "exponential"
    decay_steps: int = 10000
    decay_rate: float = 0.5
    augment_flip: bool = False
    augment_translate: float = 0.125
    monitor: str = "accuracy"
    model_selection: str = "final"  # the paper's fixed 80,000 steps; SFEW val is its test set
    mode: str = "sjmt"
    compound: bool = True

    def validate(self) -> None:
        super().validate()
        if self.mode not in MODES:
            raise ValueError(f"mode={self.mode!r}; choose one of {list(MODES)}")
        if "va" in self.task_keys:
            raise ValueError(
                "sjmt learns label sets (expr, au, compound emotions); valence/arousal is a "
                "regression, not a label set: drop va from tasks"
            )


class SelectiveJointMultiTask(Recipe):
    """Seed 003's SJMT and its alternating multi-task baseline (see the module doc)."""

    name = "sjmt"
    config_class = SJMTConfig

    def labelled(self, config: SJMTConfig, table: pd.DataFrame) -> np.ndarray:
        rows = super().labelled(config, table)
        if config.mode == "sjmt" and "au" in config.task_keys:
            aus = labelled_action_units(table)  # extras such as EmotioNet's AU5 count too
            rows = rows | (table[aus].to_numpy() != labels.MISSING_AU).any(axis=1)
        if config.compound and config.mode == "sjmt":
            rows = rows | (compound_targets(table["label_native"].to_numpy()) >= 0)
        return rows

    def output_spec(self, config: SJMTConfig, tables: RunTables) -> OutputSpec:
        if config.mode == "alternating":
            return super().output_spec(config, tables)
        sets = label_sets(tables, config)
        logger.info(
            "sjmt: each dataset's label set L^k (the joint layer is their union):\n%s",
            describe_label_sets(sets, dataset_action_units(tables.train)),
        )
        return OutputSpec.joint(joint_spaces(sets))

    def train_feed(self, config: SJMTConfig, tables: RunTables, spec: OutputSpec) -> Feed:
        if config.mode == "sjmt":
            return make_feed(
                tables.train,
                spec,
                config.image_size,
                seed=config.seed,
                dataset_spaces=dataset_spaces(tables, config),
            )
        table, groups = alternating_table(tables.train, spec)
        sampler = Sampler.alternating(groups, config.batch_size, seed=config.seed)
        return make_feed(table, spec, config.image_size, sampler=sampler)

    def validation_feed(self, config: SJMTConfig, tables: RunTables, spec: OutputSpec) -> Feed:
        spaces = dataset_spaces(tables, config) if config.mode == "sjmt" else None
        return make_feed(
            tables.validation, spec, config.image_size, shuffle=False, dataset_spaces=spaces
        )

    def build(self, config: SJMTConfig, spec: OutputSpec, tables: RunTables) -> Models:
        model = build_task_model(self.backbone(config), spec, head=config.head)
        if config.mode == "alternating":
            return Models(model, predictor_of(model, spec.names))
        joint = model.get_layer("joint").output
        return Models(model, joint_predictor(model, joint, spec))

    def losses(self, config: SJMTConfig, spec: OutputSpec, tables: RunTables):
        if config.mode == "sjmt":
            return {"joint": losses.SelectiveSigmoidCrossEntropy()}, {}
        chosen = {}
        if "expression" in spec:
            chosen["expression"] = losses.WeightedCrossEntropy()  # plain softmax CE
        if "action_units" in spec:
            chosen["action_units"] = losses.MaskedBinaryCrossentropy()
        return chosen, {}

    def metrics(self, config: SJMTConfig, spec: OutputSpec) -> dict[str, list]:
        # the joint output has no canonical metric; validation decodes it every epoch
        return {} if config.mode == "sjmt" else super().metrics(config, spec)


SPACE_ORDER = ("expression7", "expression8", "action_units", "compound")
"""Order of the label spaces in the joint output (``action_units``: whichever AU space)."""

STANDARD_AU_SPACES = (labels.AU_12, labels.EMOTIONET_AU)
UNION_AU_SPACE = "au_union"


def au_label_space(names: list[str] | tuple[str, ...]) -> labels.LabelSpace:
    """The joint layer's AU segment over the AUs ``names`` (AU-number order).

    The standard space when ``names`` are exactly its AUs (``au12``: the 12 Aff-Wild2 AUs;
    ``emotionet_au``: EmotioNet's 11), else a space ``au_union`` of those AUs.
    """
    for space in STANDARD_AU_SPACES:
        if tuple(names) == space.names:
            return space
    return labels.LabelSpace(UNION_AU_SPACE, "multilabel", tuple(names))


def label_sets(tables: RunTables, config: SJMTConfig) -> dict[str, list[labels.LabelSpace]]:
    """Each training dataset's label set L^k among the trained tasks, as label spaces.

    Expressions: ``expression8`` for a dataset read in the 8-class space, else ``expression7``.
    AUs: exactly the AU columns the dataset labels (``labelled_action_units``: the canonical 12
    and extras such as EmotioNet's AU5, AU9, AU17, AU20), all datasets' AUs forming ONE AU space
    (``au_label_space``) whose units a dataset's rows leave MISSING where it does not label
    them, so its cross-entropy (eq. 1) runs over its own AUs only. Compound emotions
    (``compound``) when any ``label_native`` names one and ``compound`` is on.
    """
    keys = config.task_keys
    owned_aus = dataset_action_units(tables.train) if "au" in keys else {}
    union = sorted({au for aus in owned_aus.values() for au in aus}, key=lambda a: int(a[2:]))
    au_space = au_label_space(union) if union else None
    result: dict[str, list[labels.LabelSpace]] = {}
    for dataset, rows in tables.train.groupby("dataset", sort=True):
        owned = []
        if "expr" in keys and (rows["expression"].to_numpy() >= 0).any():
            classes = tables.dataset_classes.get(str(dataset), tables.num_classes)
            owned.append(labels.EXPRESSION_8 if classes == 8 else labels.EXPRESSION_7)
        if au_space is not None and owned_aus.get(str(dataset)):
            owned.append(au_space)
        if config.compound and (compound_targets(rows["label_native"].to_numpy()) >= 0).any():
            owned.append(labels.COMPOUND)
        if owned:
            result[str(dataset)] = owned
    if not result:
        raise ValueError(f"No training dataset labels any of tasks {config.tasks!r}")
    return result


def dataset_action_units(table: pd.DataFrame) -> dict[str, list[str]]:
    """Dataset -> the AUs it labels (``labelled_action_units`` of its rows)."""
    return {
        str(dataset): labelled_action_units(rows)
        for dataset, rows in table.groupby("dataset", sort=True)
    }


def dataset_spaces(tables: RunTables, config: SJMTConfig) -> dict[str, list[str]]:
    """``label_sets`` by space name (what ``joint_targets`` takes)."""
    return {d: [s.name for s in spaces] for d, spaces in label_sets(tables, config).items()}


def joint_spaces(sets: dict[str, list[labels.LabelSpace]]) -> list[labels.LabelSpace]:
    """The union of the label sets, in ``SPACE_ORDER`` (the joint layer's segments)."""
    spaces = {space.name: space for owned in sets.values() for space in owned}

    def rank(space: labels.LabelSpace) -> int:
        key = "action_units" if space.kind == "multilabel" else space.name
        return SPACE_ORDER.index(key)

    return sorted(spaces.values(), key=rank)


def describe_label_sets(sets: dict[str, list[labels.LabelSpace]], aus: dict[str, list[str]]) -> str:
    """One line per dataset: its L^k (``sfew: expression7 (7)``, ``emotionet: 11 AUs AU1,...``).

    Args:
        sets: ``label_sets``; aus: ``dataset_action_units`` (each dataset's own AUs).
    """
    lines = []
    for dataset, spaces in sets.items():
        parts = []
        for space in spaces:
            if space.kind == "multilabel":
                own = aus.get(dataset, [])
                parts.append(f"{len(own)} AUs " + ",".join(own))
            else:
                parts.append(f"{space.name} ({space.size})")
        lines.append(f"{dataset}: " + "; ".join(parts))
    return "\n".join(lines)


def joint_predictor(model: keras.Model, joint, spec: OutputSpec) -> keras.Model:
    """The SJMT predictor: ``joint`` plus canonical outputs decoded from it in the graph.

    ``action_units`` is [B, 12] in canonical order; an AU no dataset labelled (EmotioNet lacks
    AU7, AU10, AU15, AU23, AU24) is NaN there, which ``predict`` writes as an empty cell, and
    the layer's config lists the AUs it was trained on (``predictor.trained_labels``). AUs
    outside the canonical 12 (EmotioNet's AU5, AU9, AU17, AU20) come out as their own output
    ``extra_action_units`` [B, k], its AU names in its layer's config.
    """
    decoder = JointDecoder(spec)
    expression_spaces = [s for s in decoder.spaces if s.startswith("expression")]
    num_classes = 8 if labels.EXPRESSION_8.name in expression_spaces else 7
    outputs = {"joint": joint}
    for kind, names, normalize in (
        ("expression", labels.expression_names(num_classes), True),
        ("action_units", labels.ACTION_UNITS, False),
        ("compound", labels.COMPOUND_EMOTIONS, False),
    ):
        units = decoder.canonical_units(kind, num_classes)
        if units:
            layer = JointToCanonical(units, len(names), normalize, names=names, name=kind)
            outputs[kind] = layer(joint)
    extra, extra_names = decoder.extra_au_units()
    if extra:
        layer = JointToCanonical(
            extra, len(extra_names), False, names=extra_names, name=EXTRA_AU_OUTPUT
        )
        outputs[EXTRA_AU_OUTPUT] = layer(joint)
    return keras.Model(model.inputs, outputs, name=model.name)


def alternating_table(
    train: pd.DataFrame, spec: OutputSpec
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Fig. 1(b)'s data: one block of rows per task, the other tasks' labels set MISSING.

    A row labelled for both tasks appears in both blocks (once per task's loss), as a sample
    of an expression dataset and of an AU dataset would. Returns the table and each block's
    row indices (for ``Sampler.alternating``).
    """
    blocks, groups, start = [], [], 0
    for task in spec:
        rows = train[task.sample_labelled(task.targets(train))].copy()
        for other in spec:
            if other.name != task.name:
                rows.loc[:, list(other.columns)] = other.missing
        blocks.append(rows)
        groups.append(np.arange(start, start + len(rows), dtype=np.int64))
        start += len(rows)
    return pd.concat(blocks, ignore_index=True), groups
