"""``init_from``: start a run's backbone from the backbone of an earlier run (two-step training).

Seed 003 pre-trains every network on FER2013 before SJMT, and seed 004 fine-tunes its face
model on AffectNet + RAF-DB before the temporal stage: a run whose backbone starts where another
run's ended. ``init_from=PATH`` names that run (a RUN_DIR, whose ``model.keras`` is
read) or a ``.keras`` file (a predictor, or a backbone saved on its own); the backbone inside it
(the nested backbone model, also inside a window model's ``TimeDistributed``) gives this run's
backbone its weights, variable by variable, shapes checked.
Only the backbone is copied: heads are built anew for this run's tasks.

Example (the two steps, on the command line):

    affectkeras train --recipe single_task --data fer2013:/data/fer2013 \\
        --set tasks=expr --set backbone=resnet32 --set image_size=32 --out runs/fer
    affectkeras train --recipe sjmt --data sfew:/data/SFEW --data emotionet:/data/e.tsv \\
        --set backbone=resnet32 --set init_from=runs/fer --out runs/sjmt
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import keras

logger = logging.getLogger("affectkeras.recipes")


def backbone_source(path: str | Path) -> Path:
    """The ``.keras`` file ``init_from`` names: ``PATH/model.keras`` for a RUN_DIR, a preset's."""
    from affectkeras.predictor import MODEL_FILE
    from affectkeras.presets import resolve_model

    path = resolve_model(path)  # a preset's name names its model.keras
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise ValueError(
            f"init_from={path}: no such {'file' if path.suffix else 'run directory or file'}"
            + (f" ({file} is missing)" if path.is_dir() else "")
        )
    return file


def initialise_backbone(backbone: keras.Model, path: str | Path) -> keras.Model:
    """Copies the weights of the backbone saved in ``path`` into ``backbone`` (in place).

    Args:
        backbone: this run's freshly built backbone.
        path: a RUN_DIR or ``.keras`` file (see the module doc).

    Returns:
        ``backbone``, its weights replaced.

    Raises:
        ValueError: no such file; a file Keras cannot load; no backbone of the same kind inside
            (or several, which one is meant is then unclear); a variable whose shape differs,
            naming the first such layer and both shapes.
    """
    file = backbone_source(path)
    for module in ("losses", "metrics", "models"):  # registers the serializable objects
        importlib.import_module(f"affectkeras.{module}")
    try:
        saved = keras.models.load_model(file, compile=False)
    except Exception as error:  # any load failure: reported with the path
        raise ValueError(f"init_from={file}: not a loadable Keras model ({error})") from None
    source = _the_backbone(saved, backbone, file)
    _copy_weights(source, backbone, file)
    logger.info(
        "init_from: %s's backbone weights (%s, %d variables) initialise this run",
        file,
        source.name,
        len(backbone.weights),
    )
    return backbone


def nested_models(model: Any) -> list[keras.Model]:
    """Every model nested in ``model`` (through ``TimeDistributed``-style wrappers), depth first."""
    found: list[keras.Model] = []
    for layer in getattr(model, "layers", []):
        inner = getattr(layer, "layer", None)  # a wrapper's model
        for candidate in (layer, inner):
            if isinstance(candidate, keras.Model) and candidate not in found:
                found.append(candidate)
                found += [m for m in nested_models(candidate) if m not in found]
    return found


def _the_backbone(saved: keras.Model, backbone: keras.Model, file: Path) -> keras.Model:
    kind = type(backbone)
    candidates = [m for m in [saved, *nested_models(saved)] if type(m) is kind]
    distinct: list[keras.Model] = []
    for model in candidates:  # one backbone shared by two sub-models counts once
        if not any(model.weights and model.weights[0] is d.weights[0] for d in distinct):
            distinct.append(model)
    if len(distinct) == 1:
        return distinct[0]
    if not distinct:
        inside = sorted({type(m).__name__ for m in nested_models(saved)})
        raise ValueError(
            f"init_from={file}: it holds no {kind.__name__} backbone to start "
            f"{backbone.name} from (it has {inside or 'no nested model'}); "
            "set backbone= to the backbone that run trained"
        )
    names = ", ".join(m.name for m in distinct)
    raise ValueError(
        f"init_from={file}: it holds {len(distinct)} {kind.__name__} backbones ({names}); "
        "give the model.keras of the one stage or run whose backbone you mean"
    )


def _copy_weights(source: keras.Model, target: keras.Model, file: Path) -> None:
    mine, theirs = target.weights, source.weights
    for index, variable in enumerate(mine):
        if index >= len(theirs):
            raise ValueError(
                f"init_from={file}: its backbone ends before {variable.path}: "
                f"{len(theirs)} variables for this run's {len(mine)}"
            )
        other = theirs[index]
        if tuple(other.shape) != tuple(variable.shape):
            raise ValueError(
                f"init_from={file}: layer {variable.path} does not fit: this run's backbone "
                f"wants {tuple(variable.shape)}, the file has {tuple(other.shape)} "
                f"({other.path})"
            )
    if len(theirs) != len(mine):
        raise ValueError(
            f"init_from={file}: its backbone has {len(theirs)} variables, this run's "
            f"{len(mine)} (first extra: {theirs[len(mine)].path})"
        )
    for variable, other in zip(mine, theirs, strict=True):
        variable.assign(keras.ops.convert_to_numpy(other))
