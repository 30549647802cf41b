"""Recipe ``temporal_stat``: seed 004's multi-task temporal statistical model (Do et al.).

Stages, each an ordinary run in ``RUN_DIR/<stage>/`` (``recipes.engine.stages``):

1. ``frame``: the face feature model (a backbone and an expression softmax; the paper's is
   VGGFace2 ResNet-50), fine-tuned with its last stage and the classification layer trainable;
2. ``temporal<N>`` for each N of ``variants``: the N-th model of Table I over that frame model
   (see ``recipes.temporal_stat.stages``), trained with eq. 4 on balanced emotion batches.

With several variants the top-level ``model.keras`` is their average fusion (Table II's
"Fusion" row): one window predictor (``pixels`` [B, s, H, W, 3] + ``mask``) that runs every
variant (variants 1-2 on the current frame) and averages their expression probabilities, and
the valence/arousal of the VA variants (2, 4, 6). ``--set stage=temporal`` trains every variant.

Example:
    >>> recipe = TemporalStat()
    >>> config = recipe.config(overrides=["variants=2,6"])
    >>> [stage.name for stage in recipe.stages(config, Path("run"))]
    ['frame', 'temporal2', 'temporal6']
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from affectkeras.data.feeding.windows import video_rows
from affectkeras.data.table import labelled_expression_va
from affectkeras.models.layers import TakeStep
from affectkeras.predictor import MODEL_FILE, describe_inputs
from affectkeras.recipes.engine.config import save_config
from affectkeras.recipes.engine.stages import (
    Stage,
    StagedRecipe,
    combined_predictor,
    stage_predictor,
)
from affectkeras.recipes.temporal_stat.config import TEMPORAL, TemporalStatConfig
from affectkeras.recipes.temporal_stat.stages import FrameStage, TemporalStage

EXPRESSION, VA = "expression", "valence_arousal"


class TemporalStat(StagedRecipe):
    """Seed 004's frame model, Table I models and their fusion (see the module doc)."""

    name = "temporal_stat"
    config_class = TemporalStatConfig

    def stages(self, config: TemporalStatConfig, run_path: Path) -> list[Stage]:
        frame = config.frame_model or str(Path(run_path) / "frame" / MODEL_FILE)
        frame_config = dataclasses.replace(config, stage="frame")
        result = []
        if not config.frame_model:  # a given frame model replaces the frame stage
            result.append(Stage("frame", FrameStage(), frame_config, data=list(config.frame_data)))
        for number in config.variant_numbers:
            name = f"{TEMPORAL}{number}"
            stage = dataclasses.replace(config, stage=name, variant=number, frame_model=frame)
            result.append(Stage(name, TemporalStage(), stage, {Path(frame): "frame_model"}))
        return result

    def preflight(self, config: TemporalStatConfig) -> None:
        """Refuses ``trainable=last_stage`` over a randomly initialised backbone (item 3 of the
        paper audit): the paper fine-tunes the last stage of a VGGFace2 ResNet-50."""
        trains_frame = config.stage in ("all", "frame") and not config.frame_model
        given = config.backbone_weights or config.init_from
        if trains_frame and config.trainable == "last_stage" and not given:
            raise ValueError(
                f"temporal_stat: trainable=last_stage would freeze all but the last stage of a "
                f"RANDOMLY initialised {config.backbone}: give its weights "
                "(backbone_weights=FILE.h5 or init_from=RUN_DIR|FILE.keras), a trained "
                "frame_model=FILE.keras, or set trainable=all"
            )

    def labelled(self, config: TemporalStatConfig, table: pd.DataFrame) -> np.ndarray:
        expression, va = labelled_expression_va(table)
        return video_rows(table, expression | va)

    def train(self, data, out, config=None, callbacks=()):
        config = config or self.config()
        if config.stage != TEMPORAL:
            if config.stage.startswith(TEMPORAL) and int(config.stage[-1]) not in (
                config.variant_numbers
            ):
                raise ValueError(
                    f"stage={config.stage}: variant {config.stage[-1]} is not among "
                    f"variants={config.variants!r}"
                )
            return super().train(data, out, config, callbacks)
        config.recipe = self.name
        if data:
            config.data = [data] if isinstance(data, str) else list(data)
        result = None
        for number in config.variant_numbers:
            one = dataclasses.replace(config, stage=f"{TEMPORAL}{number}")
            result = super().train(None, out, one, callbacks)
        save_config(config, Path(out) / "config.yaml")  # the stage asked for: temporal
        return result

    def combine(self, config: TemporalStatConfig, run_path: Path, stage_dirs: dict[str, Path]):
        numbers = config.variant_numbers
        if len(numbers) < 2:
            return None
        return fusion_predictor(
            [stage_predictor(stage_dirs[f"{TEMPORAL}{n}"], f"variant{n}") for n in numbers],
            config.window,
        )


def fusion_predictor(predictors: list[keras.Model], window: int) -> keras.Model:
    """Average fusion of seed 004's models as one window predictor (Table II, "Fusion").

    Args:
        predictors: image or window predictors with an ``expression`` output (and maybe
            ``valence_arousal``), with distinct names and one frame size.
        window: s of the fused window; window predictors must take the same.

    Returns:
        A model over ``pixels`` [B, s, H, W, 3] and ``mask`` [B, s] whose ``expression`` is the
        mean of the predictors' probabilities and ``valence_arousal`` the mean over those that
        predict it. Image predictors see the window's current frame.
    """
    described = [describe_inputs(p) for p in predictors]
    sizes = {d.size for d in described}
    if len(sizes) != 1:
        raise ValueError(f"fusion: the models take different frame sizes {sorted(sizes)}")
    windows = {d.window for d in described if d.windowed}
    if windows - {window}:
        raise ValueError(f"fusion: window models take {sorted(windows)} frames, not {window}")
    (height, width) = sizes.pop()
    pixels = keras.Input((window, height, width, 3), name="pixels")
    mask = keras.Input((window,), dtype="bool", name="mask")
    current = TakeStep(-1, name="current_frame")(pixels)
    collected: dict[str, list] = {EXPRESSION: [], VA: []}
    for predictor, inputs in zip(predictors, described, strict=True):
        outputs = predictor({"pixels": pixels, "mask": mask} if inputs.windowed else current)
        for key, values in collected.items():
            if key in outputs:
                values.append(outputs[key])
    fused = {}
    for key, values in collected.items():
        if len(values) > 1:
            fused[key] = keras.layers.Average(name=f"{key}_average")(values)
        elif values:
            fused[key] = values[0]
    return combined_predictor({"pixels": pixels, "mask": mask}, fused, "fusion")
