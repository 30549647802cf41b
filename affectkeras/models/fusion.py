"""Predictors combined into one Keras model: seed 001's fusion and averaged K-fold models.

Seed 001 (Chang et al.) predicts each task with a hard-sharing multi-task network and with a
single-task network of its own, and outputs ``p_final = lambda * p_single + (1 - lambda) *
p_multi`` per task (Sec. 2; lambda = 0.4 for VA, 0.6 for expressions and AUs). The fused
predictor is a functional model over the sub-models: the image goes into each of them (nested
models ``multi_task`` and ``single_<task>``), and a :class:`PredictionFusion` layer named after
the task combines the two predictions. It saves to ``.keras`` and exports like any predictor.

:func:`build_averaged_predictor` averages the predictions of several predictors of the same
tasks the same way (seed 000's K-fold models).

Example:
    >>> import keras
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> def task_model(tasks):
    ...     backbone = get_backbone("tiny", input_shape=(32, 32, 3))
    ...     return build_task_model(backbone, OutputSpec.create(tasks, num_classes=8))
    >>> fused = build_fused_predictor(
    ...     task_model("expr,au,va"), {"expression": task_model("expr")}, {"expression": 0.6}
    ... )
    >>> sorted(fused.output_names)
    ['action_units', 'expression', 'valence_arousal']
    >>> type(fused.get_layer("expression")).__name__, fused.get_layer("expression").weight
    ('PredictionFusion', 0.6)
"""

from __future__ import annotations

from collections.abc import Mapping

import keras

from affectkeras.models.layers.fusion import PredictionFusion

CANONICAL = ("expression", "action_units", "valence_arousal")
MULTI_NAME = "multi_task"


def build_fused_predictor(
    multi: keras.Model,
    singles: Mapping[str, keras.Model],
    weights: Mapping[str, float],
    name: str = "fused_predictor",
) -> keras.Model:
    """Fuses each task's single-task prediction with the multi-task one (seed 001, Sec. 2).

    Args:
        multi: the multi-task predictor (image in, canonical outputs by name).
        singles: task name -> single-task predictor outputting that task.
        weights: task name -> lambda, the single-task share, for every task of ``singles``.
        name: the fused model's name.

    Returns:
        A model taking ``image`` [B, H, W, 3] (RGB 0..255) and returning every canonical output
        of ``multi``: fused where a single-task model is given, else the multi-task one.

    Raises:
        ValueError: a single-task model of a task ``multi`` does not predict, a missing
            weight, or sub-models of different input shapes.
    """
    shape = tuple(multi.input_shape[1:])
    outputs_multi = [n for n in multi.output_names if n in CANONICAL]
    for task, model in singles.items():
        if task not in outputs_multi:
            raise ValueError(
                f"build_fused_predictor: single-task model for {task!r}, which the multi-task "
                f"model does not output ({outputs_multi})"
            )
        if task not in model.output_names:
            raise ValueError(f"build_fused_predictor: the {task!r} model has no {task!r} output")
        if task not in weights:
            raise ValueError(f"build_fused_predictor: no fusion weight for {task!r}")
        if tuple(model.input_shape[1:]) != shape:
            raise ValueError(
                f"build_fused_predictor: the {task!r} model takes {model.input_shape[1:]}, the "
                f"multi-task model {shape}; train every stage at one image_size"
            )
    image = keras.Input(shape=shape, name="image")
    predicted = _renamed(multi, outputs_multi, MULTI_NAME)(image)
    outputs = {}
    for task in outputs_multi:
        if task in singles:
            single = _renamed(singles[task], [task], f"single_{task}")(image)[task]
            fusion = PredictionFusion(weights[task], name=task)
            outputs[task] = fusion([single, predicted[task]])
        else:
            outputs[task] = keras.layers.Identity(name=task, dtype="float32")(predicted[task])
    return keras.Model(image, outputs, name=name)


def build_averaged_predictor(
    models: Mapping[str, keras.Model], name: str = "averaged_predictor"
) -> keras.Model:
    """The mean prediction of several predictors of the same tasks (K-fold models, seed 000).

    Args:
        models: sub-model name -> predictor; every one outputs the same canonical tasks and
            takes the same image size.
        name: the model's name.

    Returns:
        A model taking ``image`` and returning, per canonical output, the ``keras.layers.Average``
        of the sub-models' outputs (named after the task).

    Example:
        >>> from affectkeras.models import build_task_model, get_backbone
        >>> from affectkeras.output_spec import OutputSpec
        >>> folds = {
        ...     f"fold{k}": build_task_model(
        ...         get_backbone("tiny", input_shape=(32, 32, 3)), OutputSpec.create("au")
        ...     )
        ...     for k in (1, 2)
        ... }
        >>> build_averaged_predictor(folds).output_names
        ['action_units']
    """
    if not models:
        raise ValueError("build_averaged_predictor: no model given")
    first = next(iter(models.values()))
    shape = tuple(first.input_shape[1:])
    tasks = [n for n in first.output_names if n in CANONICAL]
    for key, model in models.items():
        names = [n for n in model.output_names if n in CANONICAL]
        if sorted(names) != sorted(tasks) or tuple(model.input_shape[1:]) != shape:
            raise ValueError(
                f"build_averaged_predictor: {key!r} outputs {names} at {model.input_shape[1:]}, "
                f"the first model {tasks} at {shape}"
            )
    image = keras.Input(shape=shape, name="image")
    predicted = [_renamed(model, tasks, key)(image) for key, model in models.items()]
    outputs = {}
    for task in tasks:
        values = [p[task] for p in predicted]
        if len(values) == 1:
            outputs[task] = keras.layers.Identity(name=task, dtype="float32")(values[0])
        else:
            outputs[task] = keras.layers.Average(name=task, dtype="float32")(values)
    return keras.Model(image, outputs, name=name)


def _renamed(model: keras.Model, names: list[str], name: str) -> keras.Model:
    """``model``'s layers as a nested model called ``name`` with dict outputs ``names``."""
    outputs = {task: model.get_layer(task).output for task in names}
    return keras.Model(model.inputs, outputs, name=name)
