"""Typed training configs: dataclasses with the paper defaults, loaded from YAML and ``key=value``.

Every recipe has a config dataclass derived from :class:`TrainConfig`, whose field defaults are
its paper's (optimiser, learning rate and schedule, batch size, loss weights). A run's config is
resolved in three layers, later ones winning: the dataclass defaults, a YAML file
(``--config FILE.yaml``), then ``--set key=value`` overrides. Values are converted to the field's
type (``true/false`` for booleans, ``none`` for optional fields, comma lists for list fields);
an unknown key is an error naming it and the valid keys. ``config.yaml`` in a run directory is
the fully resolved config and loads back with :func:`load_config`.

Example:
    >>> config = resolve_config(TrainConfig, overrides=["epochs=3", "tasks=expr,au"])
    >>> config.epochs, config.task_keys
    (3, ['expr', 'au'])
    >>> resolve_config(TrainConfig, overrides=["epoch=3"])
    Traceback (most recent call last):
    ...
    ValueError: Unknown config key 'epoch' (did you mean 'epochs'?); valid keys: ...
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from affectkeras.output_spec import TASK_KEYS
from affectkeras.recipes.engine.config_values import convert_value, parse_text
from affectkeras.safe_files import write_atomically

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "exponential")
INPUT_PIPELINES = ("auto", "in_memory", "disk_cache", "tf_data", "streaming")
VALIDATION_SPLITS = ("auto", "group", "none", "validation", "public_test", "test", "private_test")
DISTRIBUTIONS = ("none", "mirrored", "data_parallel", "multi_worker")
MIXED_PRECISIONS = {"false": None, "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}
"""``mixed_precision`` values and the Keras dtype policy each sets (None: float32)."""
LEGACY_VALUES = {"mixed_precision": {False: "false", True: "float16"}}
"""Values an older ``config.yaml`` holds, read as today's (``mixed_precision`` was a bool)."""
MODEL_SELECTIONS = ("best", "final")


@dataclasses.dataclass
class TrainConfig:
    """Keys every recipe accepts (SPEC.md: epochs, batch_size, image_size, seed, backbone, tasks).

    Attributes:
        recipe: the recipe's registry name (set by the recipe).
        data: the data specs trained on (``--data``; several form a multi-database set).
        tasks: comma-separated task keys among ``expr, au, va``.
        backbone: a name of ``affectkeras.models.list_backbones()``.
        backbone_weights: local weights file for the backbone, or None (random init).
        init_from: a RUN_DIR or ``.keras`` file whose backbone weights initialise this run's
            backbone (pre-training as a separate run: ``engine.init_from``); checked when the
            run starts, not by ``--show-config``.
        image_size: square model input side in pixels.
        head: task head style: ``linear``, ``dense512`` or ``bn_fc128`` (seed 002's code: a
            BN-Dense 128-ReLU-BN-Dropout 0.5 tower per task; docs/models.md).
        num_classes: expression classes (7 or 8); None = the training data's own.
        epochs: passes over the training set; None lets ``steps`` decide.
        steps: total optimiser steps, used when ``epochs`` is None.
        steps_per_epoch: batches per epoch; None = one pass over the training samples.
        batch_size: samples per batch.
        optimizer: ``adam``, ``adamw`` or ``sgd`` (with ``momentum``).
        learning_rate: initial learning rate.
        momentum: SGD momentum.
        weight_decay: decoupled weight decay (adamw, sgd); 0 = none.
        schedule: ``constant``, ``cosine`` (annealing to 0 over the run) or ``exponential``
            (``learning_rate * decay_rate ** floor(step / decay_steps)``).
        decay_steps, decay_rate: the exponential schedule's staircase.
        augment_flip, augment_translate, augment_rotation: training-time augmentation (random
            horizontal flip; pad-and-random-crop shift as a fraction of the side; degrees).
        augment_scale, augment_erase: zoom by up to this fraction; random erasing with this
            probability per sample (``affectkeras.data.feeding.augment``).
        face_framing: how the training faces are framed, recorded in the saved predictor so
            that ``predict`` cuts faces the same way: ``aligned`` (five-point template) or
            ``fer2013`` (YuNet box, grey; ``affectkeras.framing.FRAMINGS``).
        test_time_flip: the saved predictor averages each face with its mirror image.
        seed: seeds weights, data order and augmentation; same seed, same run on CPU.
        mixed_precision: ``false``, ``float16`` (``mixed_float16``; ``true`` means this) or
            ``bfloat16`` (``mixed_bfloat16``); outputs stay float32.
        distribution: ``none`` (one device), ``mirrored`` (TensorFlow MirroredStrategy over
            the local devices), ``data_parallel`` (Keras DataParallel over the local devices,
            JAX) or ``multi_worker`` (several processes; ``engine.distribution``).
            ``batch_size`` stays the global batch.
        replicas: the devices the run trains on, written by the run to ``config.yaml``; a
            value given is checked against the devices found.
        monitor: the validation score that selects ``model.keras``: ``abaw`` (the ABAW score
            of the trained tasks), ``abaw2`` (the sum of each trained task's ABAW2 challenge
            score: 0.67 F1 + 0.33 acc for expressions, mean CCC for VA), ``f1`` (the sum of
            their F1s, CCC for VA), ``accuracy`` (mean accuracy of the trained tasks), or a
            metrics.json key such as ``expr_f1`` (``engine.monitor``).
        model_selection: which epoch's model becomes ``model.keras``: ``best`` (the best
            ``monitor`` score on the validation rows) or ``final`` (the last epoch's: a fixed
            schedule, and validation rows that only report, as when they are a paper's test set).
        validation_split: where validation comes from: ``auto`` (each dataset's
            ``validation`` split, else its ``public_test``, else a ``group`` split), a split
            name, ``group`` (a subject/video-disjoint split of the training rows) or ``none``.
        validation_fraction: share of subjects/videos held out by a ``group`` split.
        validation_data: data specs to validate on instead (the split rules are skipped).
        validation_datasets: names of the datasets whose validation rows select and score the
            model (``engine.splits``): a dataset not named trains on all its ``train`` rows and
            gives no validation rows. Empty = every dataset; none of them in the data = every
            dataset (logged).
        validation_frame_stride: per-epoch validation scores every k-th frame of each video
            (still images are all kept); the final metrics.json scores every frame.
        validation_max_frames: per-epoch validation scores at most this many frames of each
            video (evenly spaced, after the stride); None = all. metrics.json: every frame.
        input_pipeline: ``auto`` (the fastest path for the data size: decoded into memory,
            else into a disk cache, else decoded per batch), ``in_memory``, ``disk_cache``,
            ``tf_data`` or ``streaming`` (``engine.inputs``).
        max_memory_gb: the decoded images ``auto`` keeps in memory, at most.
        pixel_cache: folder of the ``disk_cache`` pipeline: ``auto`` (RUN_DIR/pixel_cache,
            removed when the run ends), ``none`` (no disk cache), or a folder (kept; later runs
            on the same images reuse it).
        tensorboard: also write TensorBoard logs to RUN_DIR/tensorboard.
        verbose: Keras progress output: 1 (bar), 2 (a line per epoch) or 0.
    """

    recipe: str = ""
    data: list[str] = dataclasses.field(default_factory=list)
    tasks: str = "expr,au,va"
    backbone: str = "resnet50"
    backbone_weights: str | None = None
    init_from: str | None = None
    image_size: int = 112
    head: str = "linear"
    num_classes: int | None = None
    epochs: int | None = 10
    steps: int | None = None
    steps_per_epoch: int | None = None
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 1e-4
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    decay_steps: int = 10000
    decay_rate: float = 0.5
    augment_flip: bool = True
    augment_translate: float = 0.1
    augment_rotation: float = 0.0
    augment_scale: float = 0.0
    augment_erase: float = 0.0
    face_framing: str = "aligned"
    test_time_flip: bool = False
    seed: int = 0
    mixed_precision: str = "false"
    distribution: str = "none"
    replicas: int | None = None
    monitor: str = "abaw"
    model_selection: str = "best"
    validation_split: str = "auto"
    validation_fraction: float = 0.2
    validation_data: list[str] = dataclasses.field(default_factory=list)
    validation_datasets: list[str] = dataclasses.field(default_factory=list)
    validation_frame_stride: int = 1
    validation_max_frames: int | None = None
    input_pipeline: str = "auto"
    max_memory_gb: float = 4.0
    pixel_cache: str = "auto"
    tensorboard: bool = False
    verbose: int = 1

    def __post_init__(self) -> None:
        word = str(self.mixed_precision).strip().lower()
        self.mixed_precision = {"true": "float16", "1": "float16", "0": "false"}.get(word, word)
        self.validate()

    @property
    def dtype_policy(self) -> str | None:
        """The Keras dtype policy ``mixed_precision`` sets (None: keep float32)."""
        return MIXED_PRECISIONS[self.mixed_precision]

    @property
    def task_keys(self) -> list[str]:
        """The ``tasks`` as short keys in canonical order (``expr``, ``au``, ``va``)."""
        items = [t.strip() for t in str(self.tasks).split(",") if t.strip()]
        names = {value: key for key, value in TASK_KEYS.items()}
        keys = []
        for item in items:
            key = names.get(item, item)
            if key not in TASK_KEYS:
                raise ValueError(f"tasks: unknown task {item!r}; use any of expr, au, va")
            keys.append(key)
        if not keys:
            raise ValueError("tasks: no task given; use any of expr, au, va")
        return [key for key in TASK_KEYS if key in keys]

    def validate(self) -> None:
        """Checks values a dataclass type cannot express; raises ValueError naming the key."""
        self.task_keys  # noqa: B018 - raises on a bad value
        choices = {
            "optimizer": OPTIMIZERS,
            "schedule": SCHEDULES,
            "input_pipeline": INPUT_PIPELINES,
            "validation_split": VALIDATION_SPLITS,
            "mixed_precision": tuple(MIXED_PRECISIONS),
            "distribution": DISTRIBUTIONS,
            "model_selection": MODEL_SELECTIONS,
        }
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ValueError(f"{key}={getattr(self, key)!r}; choose one of {list(allowed)}")
        positive = ["image_size", "batch_size", "decay_steps", "validation_frame_stride"]
        optional = ("epochs", "steps", "steps_per_epoch", "validation_max_frames", "replicas")
        positive += [k for k in optional if getattr(self, k) is not None]
        for key in positive:
            if getattr(self, key) < 1:
                raise ValueError(f"{key} must be >= 1, got {getattr(self, key)}")
        if self.epochs is None and self.steps is None:
            raise ValueError("Set epochs or steps (both are none)")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(
                f"validation_fraction must be in (0, 1), got {self.validation_fraction}"
            )
        if self.num_classes not in (None, 7, 8):
            raise ValueError(f"num_classes must be 7, 8 or none, got {self.num_classes}")
        if self.backbone_weights and self.init_from:
            raise ValueError(
                "backbone_weights and init_from both set the backbone's starting weights: "
                "give one of them"
            )
        from affectkeras.framing import FRAMINGS

        if self.face_framing not in FRAMINGS:
            raise ValueError(
                f"face_framing={self.face_framing!r}; choose one of {sorted(FRAMINGS)}"
            )
        if not 0.0 <= self.augment_scale < 1.0:
            raise ValueError(f"augment_scale must be in [0, 1), got {self.augment_scale}")
        if not 0.0 <= self.augment_erase <= 1.0:
            raise ValueError(f"augment_erase must be in [0, 1], got {self.augment_erase}")
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def config_defaults(config_class: type[TrainConfig]) -> dict[str, Any]:
    """Each key's default value (lists from their factories)."""
    out = {}
    for field in dataclasses.fields(config_class):
        if field.default is not dataclasses.MISSING:
            out[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            out[field.name] = field.default_factory()
    return out


def upgraded(values: Mapping[str, Any]) -> dict[str, Any]:
    """A saved config's values with older spellings read as today's (``LEGACY_VALUES``)."""
    out = dict(values)
    for key, mapping in LEGACY_VALUES.items():
        value = out.get(key)
        if isinstance(value, bool | int) and value in mapping:
            out[key] = mapping[value]
    return out


def config_keys(config_class: type[TrainConfig]) -> list[str]:
    """The keys a config class accepts, in declaration order."""
    return [f.name for f in dataclasses.fields(config_class)]


def resolve_config(
    config_class: type[TrainConfig],
    values: Mapping[str, Any] | None = None,
    overrides: Iterable[str] = (),
    source: str = "config",
) -> TrainConfig:
    """Builds a config from defaults, a mapping (e.g. parsed YAML) and ``key=value`` strings.

    Args:
        config_class: the recipe's config dataclass.
        values: key -> value (already typed, as YAML gives them); checked like overrides.
        overrides: ``"key=value"`` strings, converted to each field's type.
        source: where ``values`` came from, for error messages (a YAML path).

    Raises:
        ValueError: unknown key (named, with the valid ones), a value that does not convert,
            or a value out of range.
    """
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    hints = typing.get_type_hints(config_class)
    merged: dict[str, Any] = {}
    for key, value in (values or {}).items():
        _check_key(str(key), fields, source)
        merged[str(key)] = convert_value(key, value, hints[key], source)
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set {item!r}: expected key=value")
        key, text = (part.strip() for part in item.split("=", 1))
        _check_key(key, fields, "--set")
        merged[key] = convert_value(key, parse_text(text, hints[key]), hints[key], "--set")
    return config_class(**merged)


def load_config(
    config_class: type[TrainConfig],
    path: str | Path | None = None,
    overrides: Iterable[str] = (),
    recipe: str | None = None,
) -> TrainConfig:
    """Resolves a config from a YAML file (optional) and ``key=value`` overrides.

    With ``recipe``, a file whose ``recipe`` key names another recipe is refused first; a file
    may name its recipe (``recipe: sjmt``, as the files of ``configs/`` and a run's config.yaml
    do) or leave it out.
    """
    values: dict[str, Any] = {}
    if path is not None:
        values = read_config_file(path)
        named = values.get("recipe") or None
        if recipe and named not in (None, recipe):
            raise ValueError(f"{path}: the config is for recipe {named!r}, not {recipe!r}")
    return resolve_config(config_class, values, overrides, source=str(path))


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A YAML config file's mapping of keys, unchecked; ValueError (naming the file and line)
    for a missing file, invalid YAML or a file that is not a mapping."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such config file")
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", error)
        raise ValueError(f"{where}: not valid YAML ({problem})") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping of config keys, got {type(loaded)}")
    return loaded or {}


def config_file_recipe(path: str | Path) -> str | None:
    """The recipe a config file names with its ``recipe:`` key (configs/*.yaml, a run's
    config.yaml), or None when it names none."""
    named = read_config_file(path).get("recipe")
    return str(named) if named else None


def save_config(config: TrainConfig, path: str | Path) -> None:
    """Writes the resolved config as YAML (``load_config`` reads it back)."""
    write_atomically(path, yaml.safe_dump(config.to_dict(), sort_keys=False))


def _check_key(key: str, fields: Mapping[str, Any], source: str) -> None:
    if key in fields:
        return
    close = difflib.get_close_matches(key, list(fields), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(
        f"Unknown config key {key!r}{hint}; valid keys: {', '.join(fields)}"
        + ("" if source in ("config", "--set") else f" (in {source})")
    )
