"""Task heads built from the OutputSpec: features -> named, float32 task outputs.

One function, ``build_heads``, covers every head of the seeds:

- seed 001 / 002 linear heads: one Dense per task (``hidden_units=()``, the ``linear`` style);
- seed 000: a shared Dense 512 then the task layers (``hidden_units=(512,)``, ``dense512``);
- seed 002 as the authors' public code has it (``bn_fc128``): per task its own
  BatchNorm -> Dense 128 -> ReLU -> BatchNorm -> Dropout(0.5) -> task layer (the paper only says
  "two head layers"; the rate 0.5 is the code's, the paper gives none);
- seed 002's VA bins (``va_bins=20``): per dimension a softmax over equal-width bins, output
  ``valence_arousal_bins`` [..., 2, bins], plus their expected value ``valence_arousal``;
- seed 003's SJMT joint head: an ``OutputSpec.joint(...)`` spec has ONE sigmoid task over the
  union label space, so the same code gives one Dense + sigmoid named ``joint``
  (decode it with ``affectkeras.models.joint_decoder``).

Output layers are named after ``TaskSpec.name``, so ``model.fit(x, {name: target})`` maps by
name, and their activations compute in float32 under mixed precision. Features may carry extra
leading axes (per-frame features [B, T, D] give per-frame outputs [B, T, ...]).

Example:
    >>> import keras
    >>> from affectkeras.output_spec import OutputSpec
    >>> features = keras.Input((64,))
    >>> outputs = build_heads(features, OutputSpec.create("expr,va", 7), va_bins=20)
    >>> {name: tuple(tensor.shape) for name, tensor in outputs.items()}
    {'expression': (None, 7), 'valence_arousal_bins': (None, 2, 20), 'valence_arousal': (None, 2)}
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from affectkeras.models.layers import VABinExpectation
from affectkeras.output_spec import OutputSpec, TaskSpec

VA_BINS_OUTPUT = "valence_arousal_bins"
"""Output name of seed 002's VA bin probabilities (contract 5)."""

HEAD_STYLES: dict[str, tuple[int, ...]] = {"linear": (), "dense512": (512,)}
"""Named hidden-layer presets: seeds 001/002 (linear) and seed 000 (shared Dense 512)."""
TOWER_STYLES: dict[str, tuple[int, float]] = {"bn_fc128": (128, 0.5)}
"""Named per-task towers ``BN -> Dense(units) -> ReLU -> BN -> Dropout(rate)``: seed 002's
authors' ``Head`` (hidden size 128, dropout 0.5 in their code; the paper states neither)."""


def build_heads(
    features,
    output_spec: OutputSpec,
    hidden_units: Sequence[int] | str = (),
    hidden_activation: str = "relu",
    dropout: float | None = None,
    va_bins: int | None = None,
    va_expectation: bool = True,
    dtype=None,
) -> dict:
    """Adds the task layers of ``output_spec`` on top of ``features``.

    Args:
        features: KerasTensor [B, ..., D].
        output_spec: the tasks; output names are their ``TaskSpec.name``.
        hidden_units: shared Dense layers before the task layers, a ``HEAD_STYLES`` name, or a
            ``TOWER_STYLES`` name (``bn_fc128``: a BN-Dense-ReLU-BN-Dropout tower per task).
        hidden_activation: activation of the shared layers.
        dropout: dropout rate after each shared layer (and on the features when there is none);
            for a tower style, its Dropout's rate. None: 0, or the tower style's own rate.
        va_bins: None for a tanh VA regressor; a bin count for seed 002's VA bin head.
        va_expectation: with ``va_bins``, also output ``valence_arousal`` = probabilities @
            ``va_bin_centres(va_bins)``.
        dtype: dtype policy of the hidden and logit layers (default: the global policy);
            activations are always float32.

    Returns:
        dict output name -> KerasTensor: expression softmax [..., C], action_units sigmoid
        [..., 12], valence_arousal tanh [..., 2] (or bins [..., 2, bins] + expectation), joint
        sigmoid [..., U].
    """
    tower = None
    if isinstance(hidden_units, str):
        if hidden_units in TOWER_STYLES:
            units, rate = TOWER_STYLES[hidden_units]
            tower, hidden_units = (units, rate if dropout is None else dropout), ()
        elif hidden_units in HEAD_STYLES:
            hidden_units = HEAD_STYLES[hidden_units]
        else:
            styles = [*HEAD_STYLES, *TOWER_STYLES]
            raise ValueError(f"Unknown head style {hidden_units!r}; use one of {styles}")
    dropout = 0.0 if dropout is None or tower else float(dropout)
    if tower and not 0.0 <= tower[1] < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {tower[1]}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    layers = keras.layers
    x = features
    for index, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, name=f"head_dense{index}", dtype=dtype)(x)
        x = layers.Activation(hidden_activation, name=f"head_dense{index}_act", dtype=dtype)(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"head_dense{index}_dropout", dtype=dtype)(x)
    if dropout and not hidden_units:
        x = layers.Dropout(dropout, name="head_dropout", dtype=dtype)(x)
    outputs = {}
    for task in output_spec:
        task_x = x if tower is None else _tower(x, task.name, *tower, dtype)
        if task.kind == "regression" and task.name == "valence_arousal" and va_bins:
            outputs.update(_va_bin_head(task_x, task, int(va_bins), va_expectation, dtype))
        else:
            outputs[task.name] = _task_head(task_x, task, dtype)
    return outputs


def _tower(x, prefix: str, units: int, rate: float, dtype):
    """One task's ``BN -> Dense(units) -> ReLU -> BN -> Dropout(rate)`` (seed 002's code)."""
    layers = keras.layers
    x = layers.BatchNormalization(name=f"{prefix}_bn0", dtype=dtype)(x)
    x = layers.Dense(units, name=f"{prefix}_fc", dtype=dtype)(x)
    x = layers.Activation("relu", name=f"{prefix}_fc_relu", dtype=dtype)(x)
    x = layers.BatchNormalization(name=f"{prefix}_bn1", dtype=dtype)(x)
    return layers.Dropout(rate, name=f"{prefix}_dropout", dtype=dtype)(x)


def _task_head(x, task: TaskSpec, dtype):
    logits = keras.layers.Dense(task.size, name=f"{task.name}_logits", dtype=dtype)(x)
    return keras.layers.Activation(task.activation, name=task.name, dtype="float32")(logits)


def _va_bin_head(x, task: TaskSpec, bins: int, expectation: bool, dtype) -> dict:
    if task.size != 2:
        raise ValueError(f"The VA bin head needs a 2-unit VA task, got {task.label_names}")
    logits = keras.layers.Dense(2 * bins, name=f"{VA_BINS_OUTPUT}_logits", dtype=dtype)(x)
    leading = [-1 if size is None else size for size in x.shape[1:-1]]
    if leading.count(-1) > 1:
        raise ValueError(f"VA bin head: at most one unknown non-batch axis, features {x.shape}")
    logits = keras.layers.Reshape(
        (*leading, 2, bins), name=f"{VA_BINS_OUTPUT}_reshape", dtype=dtype
    )(logits)
    probabilities = keras.layers.Softmax(name=VA_BINS_OUTPUT, dtype="float32")(logits)
    outputs = {VA_BINS_OUTPUT: probabilities}
    if expectation:
        outputs[task.name] = VABinExpectation(bins, name=task.name)(probabilities)
    return outputs
