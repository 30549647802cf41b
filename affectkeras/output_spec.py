"""The OutputSpec: which tasks a model predicts, their sizes, activations, labels and sentinels.

One OutputSpec is created per run (from the config and the data) and handed to heads, losses,
metrics, decoders, CSV writers and exporters, so that nothing else hard-codes 7, 8, 12 or a
column slice. It is plain Python and numpy (no Keras), and round-trips through a dict for
``config.yaml`` and model configs.

The three canonical tasks:

=================  =====  ==========  ==========  ===============================  ========
output name        key    kind        activation  table columns                    MISSING
=================  =====  ==========  ==========  ===============================  ========
expression         expr   multiclass  softmax     ``expression`` (index)           -1
action_units       au     multilabel  sigmoid     ``AU1`` ... ``AU26``             -1
valence_arousal    va     regression  tanh        ``valence``, ``arousal``         -5
=================  =====  ==========  ==========  ===============================  ========

Seed 003's selective joint multi-task model instead has one ``joint`` sigmoid task over the union
of several label spaces (``OutputSpec.joint``), with a segment per space.

Example:
    >>> import numpy as np
    >>> from affectkeras.output_spec import OutputSpec
    >>> spec = OutputSpec.create("expr,va", num_classes=7)
    >>> spec.names
    ('expression', 'valence_arousal')
    >>> spec["expr"].size, spec["expression"].activation
    (7, 'softmax')
    >>> spec["expression"].decode(np.eye(7)[[4, 0]]).tolist()
    [4, 0]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from affectkeras import labels

TaskKind = Literal["multiclass", "multilabel", "regression"]

TASK_KEYS: dict[str, str] = {
    "expr": "expression",
    "au": "action_units",
    "va": "valence_arousal",
}
"""Short task keys (``--set tasks=expr,au,va``) -> output names."""

_ACTIVATIONS: dict[str, str] = {
    "multiclass": "softmax",
    "multilabel": "sigmoid",
    "regression": "tanh",
}


@dataclass(frozen=True)
class TaskSpec:
    """One model output.

    Args:
        name: output name (``"expression"``); also the key of targets and predictions.
        key: short name used in configs (``"expr"``).
        kind: ``"multiclass"`` (one index per sample), ``"multilabel"`` (0/1 per label) or
            ``"regression"`` (a float per label).
        label_names: names of the output units, in order.
        activation: the output activation (``softmax``, ``sigmoid`` or ``tanh``).
        columns: sample-table columns the targets come from: one index column for a multiclass
            task, one column per unit otherwise.
        missing: the MISSING sentinel of the targets.
        segments: for a joint task only, label-space name -> (start, stop) unit range.
        segment_kinds: for a joint task only, label-space name -> ``multiclass``/``multilabel``.
    """

    name: str
    key: str
    kind: TaskKind
    label_names: tuple[str, ...]
    activation: str
    columns: tuple[str, ...]
    missing: float
    segments: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    segment_kinds: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in _ACTIVATIONS:
            raise ValueError(f"Task {self.name!r}: unknown kind {self.kind!r}")
        object.__setattr__(self, "label_names", tuple(self.label_names))
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "segments", {k: tuple(v) for k, v in self.segments.items()})
        object.__setattr__(self, "segment_kinds", dict(self.segment_kinds))

    @property
    def size(self) -> int:
        """Number of output units."""
        return len(self.label_names)

    @property
    def is_joint(self) -> bool:
        return bool(self.segments)

    # ---------------------------------------------------------------- targets and masks

    def targets(self, table: Any) -> np.ndarray:
        """Reads this task's targets from a sample table, sentinels kept.

        Returns:
            int64 [N] class indices for a multiclass task, float32 [N, size] otherwise.
        """
        if self.is_joint:
            raise ValueError(
                f"Joint task {self.name!r} has no table columns: its targets are built per "
                "dataset label space (see affectkeras.data)"
            )
        missing_columns = [c for c in self.columns if c not in table.columns]
        if missing_columns:
            raise ValueError(
                f"Task {self.name!r} needs columns {missing_columns} that the table lacks"
            )
        if self.kind == "multiclass":
            return table[self.columns[0]].to_numpy(dtype=np.int64)
        return table[list(self.columns)].to_numpy(dtype=np.float32)

    def labelled(self, targets: np.ndarray) -> np.ndarray:
        """Boolean mask of the entries that are labelled (not MISSING).

        Returns:
            [N] for a multiclass task, [N, size] element-wise for the others (each AU may be
            MISSING on its own).
        """
        return np.asarray(targets) != self.missing

    def sample_labelled(self, targets: np.ndarray) -> np.ndarray:
        """[N] mask of samples with at least one labelled entry for this task."""
        mask = self.labelled(targets)
        return mask if mask.ndim == 1 else mask.any(axis=-1)

    # ---------------------------------------------------------------- decoding

    def decode(self, outputs: np.ndarray, threshold: float = 0.5) -> np.ndarray:
        """Turns model outputs into labels: argmax, 0/1 at ``threshold``, or the values."""
        outputs = np.asarray(outputs)
        if outputs.shape[-1] != self.size:
            raise ValueError(
                f"Task {self.name!r} expects outputs of width {self.size}, got {outputs.shape}"
            )
        if self.kind == "multiclass":
            return np.argmax(outputs, axis=-1)
        if self.kind == "multilabel":
            return (outputs >= threshold).astype(np.int64)
        return outputs

    def segment(self, outputs: np.ndarray, space: str) -> np.ndarray:
        """Slices a joint task's outputs down to one label space's units."""
        if space not in self.segments:
            raise ValueError(
                f"Task {self.name!r} has no label space {space!r}; it has {list(self.segments)}"
            )
        start, stop = self.segments[space]
        return np.asarray(outputs)[..., start:stop]

    # ---------------------------------------------------------------- config

    def to_config(self) -> dict:
        config = {
            "name": self.name,
            "key": self.key,
            "kind": self.kind,
            "label_names": list(self.label_names),
            "activation": self.activation,
            "columns": list(self.columns),
            "missing": self.missing,
        }
        if self.segments:
            config["segments"] = {k: list(v) for k, v in self.segments.items()}
            config["segment_kinds"] = dict(self.segment_kinds)
        return config

    @classmethod
    def from_config(cls, config: Mapping) -> TaskSpec:
        config = dict(config)
        config["segments"] = {k: tuple(v) for k, v in config.get("segments", {}).items()}
        return cls(**config)


def expression_task(num_classes: int = 8) -> TaskSpec:
    """The canonical expression task in the 7- or 8-class space."""
    return TaskSpec(
        name="expression",
        key="expr",
        kind="multiclass",
        label_names=labels.expression_names(num_classes),
        activation="softmax",
        columns=("expression",),
        missing=labels.MISSING_EXPRESSION,
    )


def action_unit_task() -> TaskSpec:
    """The canonical 12-AU occurrence task."""
    return TaskSpec(
        name="action_units",
        key="au",
        kind="multilabel",
        label_names=labels.ACTION_UNITS,
        activation="sigmoid",
        columns=labels.ACTION_UNITS,
        missing=labels.MISSING_AU,
    )


def valence_arousal_task() -> TaskSpec:
    """The canonical valence/arousal regression task."""
    return TaskSpec(
        name="valence_arousal",
        key="va",
        kind="regression",
        label_names=labels.VALENCE_AROUSAL,
        activation="tanh",
        columns=labels.VALENCE_AROUSAL,
        missing=labels.MISSING_VA,
    )


@dataclass(frozen=True)
class OutputSpec:
    """The ordered tasks of a model. Index it by output name or key: ``spec["au"]``."""

    tasks: tuple[TaskSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        if not self.tasks:
            raise ValueError("An OutputSpec needs at least one task")
        names = [t.name for t in self.tasks]
        if len(set(names)) != len(names):
            raise ValueError(f"OutputSpec repeats a task: {names}")

    # ---------------------------------------------------------------- constructors

    @classmethod
    def create(cls, tasks: str | Iterable[str] = "expr,au,va", num_classes: int = 8) -> OutputSpec:
        """Builds a spec of canonical tasks.

        Args:
            tasks: keys or output names, as a comma-separated string or a list, e.g.
                ``"expr,au"`` or ``["expression", "valence_arousal"]``. Order is canonical
                (expression, action units, valence/arousal) whatever the order given.
            num_classes: 7 or 8 expression classes.
        """
        wanted = _parse_task_names(tasks)
        builders = {
            "expression": lambda: expression_task(num_classes),
            "action_units": action_unit_task,
            "valence_arousal": valence_arousal_task,
        }
        return cls(tuple(builders[name]() for name in builders if name in wanted))

    @classmethod
    def from_table(
        cls, table: Any, tasks: str | Iterable[str] | None = None, num_classes: int | None = None
    ) -> OutputSpec:
        """Builds the spec of the tasks a sample table labels (or of ``tasks``).

        The expression space is ``num_classes`` when given, else the table's own
        (``affectkeras.data.table.expression_classes``).
        """
        from affectkeras.data.table import expression_classes

        if num_classes is None:
            num_classes = expression_classes(table)
        if tasks is None:
            everything = cls.create(num_classes=num_classes)
            present = [
                t.name
                for t in everything
                if set(t.columns) <= set(table.columns)
                and t.sample_labelled(t.targets(table)).any()
            ]
            if not present:
                raise ValueError("The table labels no task (every label is MISSING)")
            tasks = present
        return cls.create(tasks, num_classes=num_classes)

    @classmethod
    def joint(cls, spaces: Sequence[labels.LabelSpace], name: str = "joint") -> OutputSpec:
        """Seed 003's single sigmoid output over the union of several label spaces.

        The units are the spaces' labels concatenated in the given order, named
        ``"<space>/<label>"``; ``segments`` records each space's unit range, so the selective
        loss and the decoders can address a dataset's own label set L^k.
        """
        labels.check_unique_names(spaces)
        unit_names: list[str] = []
        segments: dict[str, tuple[int, int]] = {}
        for space in spaces:
            segments[space.name] = (len(unit_names), len(unit_names) + space.size)
            unit_names.extend(f"{space.name}/{label}" for label in space.names)
        task = TaskSpec(
            name=name,
            key=name,
            kind="multilabel",
            label_names=tuple(unit_names),
            activation="sigmoid",
            columns=(),
            missing=labels.MISSING_AU,
            segments=segments,
            segment_kinds={space.name: space.kind for space in spaces},
        )
        return cls((task,))

    # ---------------------------------------------------------------- access

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def __contains__(self, name: object) -> bool:
        return any(name in (t.name, t.key) for t in self.tasks)

    def __getitem__(self, name: str) -> TaskSpec:
        for task in self.tasks:
            if name in (task.name, task.key):
                return task
        raise KeyError(f"No task {name!r} in this OutputSpec; it has {list(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tasks)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tasks)

    @property
    def sizes(self) -> dict[str, int]:
        return {t.name: t.size for t in self.tasks}

    @property
    def activations(self) -> dict[str, str]:
        return {t.name: t.activation for t in self.tasks}

    @property
    def num_classes(self) -> int | None:
        """Expression classes (7 or 8), or None when the spec has no expression task."""
        return self["expression"].size if "expression" in self else None

    def targets(self, table: Any) -> dict[str, np.ndarray]:
        """Every task's targets from a sample table, keyed by output name (sentinels kept)."""
        return {t.name: t.targets(table) for t in self.tasks}

    def decode(self, outputs: Mapping[str, np.ndarray], threshold: float = 0.5) -> dict:
        """Decodes a dict of model outputs task by task (see ``TaskSpec.decode``)."""
        return {
            t.name: t.decode(outputs[t.name], threshold) for t in self.tasks if t.name in outputs
        }

    # ---------------------------------------------------------------- config

    def to_config(self) -> dict:
        return {"tasks": [t.to_config() for t in self.tasks]}

    @classmethod
    def from_config(cls, config: Mapping) -> OutputSpec:
        return cls(tuple(TaskSpec.from_config(t) for t in config["tasks"]))


def _parse_task_names(tasks: str | Iterable[str]) -> set[str]:
    items = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks)
    items = [t for t in items if t]
    if not items:
        raise ValueError("No task given; use any of expr, au, va")
    names: set[str] = set()
    valid = set(TASK_KEYS) | set(TASK_KEYS.values())
    for item in items:
        if item not in valid:
            raise ValueError(f"Unknown task {item!r}; valid tasks: {sorted(TASK_KEYS)}")
        names.add(TASK_KEYS.get(item, item))
    return names
