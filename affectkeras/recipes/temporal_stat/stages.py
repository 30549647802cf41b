"""The stages of seed 004 (Do et al.) as ordinary recipes: the frame model, then one Table I model.

- ``FrameStage`` (sec. II-B): the face feature model, a backbone with a 7-class expression
  softmax, fine-tuned with the last backbone stage and the classification layer trainable
  (``trainable: last_stage``) on balanced emotion batches; its predictor also outputs the
  pooled ``features`` the temporal models read.
- ``TemporalStage`` (sec. II-C, D): one model of Table I (``variant`` 1-6) over the frame model
  (its last stage still trainable): variants 1-2 see the current frame only, 3-6 a window of
  ``window`` frames ending at it, with STAT (3-6) and a bidirectional LSTM (5-6); even variants
  also regress VA. Loss eq. 4: ``1 * CE (eq. 1) + 0.4 (1 - CCC_arousal) + 0.4 (1 - CCC_valence)
  (eq. 2) + 0.2 * MSE of [a, v, m, a - m, v - m] (eq. 3)``. Expression-only variants train on
  expression-labelled frames, VA variants on frames labelled for both (sec. III-A), drawn with
  balanced emotion sampling.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from affectkeras import losses
from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.data.feeding.sampling import Sampler
from affectkeras.data.feeding.windows import frame_windows, video_rows
from affectkeras.data.table import labelled_expression_va
from affectkeras.metrics.selection import abaw_metrics
from affectkeras.models import (
    FEATURES_OUTPUT,
    STAT_LSTM_VARIANTS,
    VA_STATISTICS_OUTPUT,
    build_stat_lstm_model,
    build_task_model,
    build_window_model,
)
from affectkeras.models.freezing import freeze_all_but_last_stage
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import load_predictor
from affectkeras.recipes.engine.base import Models, Recipe
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.engine.stages import combined_predictor
from affectkeras.recipes.temporal_stat.config import TemporalStatConfig

EXPRESSION, VA = "expression", "valence_arousal"
WINDOW_INPUTS = ("pixels", "mask")


def _balanced(strata: np.ndarray, config: TemporalStatConfig) -> Sampler:
    if not (strata >= 0).any():
        raise ValueError("No training frame has the labels this stage needs")
    if config.balanced:
        return Sampler.balanced(strata, seed=config.seed)
    return Sampler.balanced(strata, power=0.0, seed=config.seed)


class FrameStage(Recipe):
    """Seed 004's face feature model: backbone + expression softmax (+ pooled features)."""

    name = "temporal_stat.frame"
    config_class = TemporalStatConfig

    def output_spec(self, config, tables: RunTables) -> OutputSpec:
        return OutputSpec.create("expr", num_classes=tables.num_classes)

    def labelled(self, config, table: pd.DataFrame) -> np.ndarray:
        return labelled_expression_va(table)[0]

    def monitor_tasks(self, config, spec) -> list[str]:
        return ["expr"]

    def train_feed(self, config, tables: RunTables, spec: OutputSpec) -> Feed:
        strata = tables.train["expression"].to_numpy(np.int64)
        sampler = _balanced(strata, config)
        return make_feed(tables.train, spec, config.image_size, sampler=sampler)

    def build(self, config, spec: OutputSpec, tables: RunTables) -> Models:
        model = build_task_model(
            self.backbone(config), spec, head=config.head, return_features=True, name="frame_model"
        )
        if config.trainable == "last_stage":
            freeze_all_but_last_stage(model)
        train = keras.Model(model.inputs, {EXPRESSION: model.output[EXPRESSION]})
        return Models(train, model)

    def losses(self, config, spec, tables):
        return {EXPRESSION: losses.WeightedCrossEntropy()}, {}  # eq. 1

    def metrics(self, config, spec) -> dict:
        return {EXPRESSION: abaw_metrics(spec)[EXPRESSION]}


class TemporalStage(Recipe):
    """One Table I model of seed 004 over the frame model (``config.variant``)."""

    name = "temporal_stat.temporal"
    config_class = TemporalStatConfig

    def _variant(self, config):
        return STAT_LSTM_VARIANTS[config.variant]

    def output_spec(self, config, tables: RunTables) -> OutputSpec:
        keys = "expr,va" if self._variant(config).va else "expr"
        return OutputSpec.create(keys, num_classes=tables.num_classes)

    def monitor_tasks(self, config, spec) -> list[str]:
        return ["expr", "va"] if self._variant(config).va else ["expr"]

    def _anchors(self, config, table: pd.DataFrame) -> np.ndarray:
        expression, va = labelled_expression_va(table)
        return expression & va if self._variant(config).va else expression

    def labelled(self, config, table: pd.DataFrame) -> np.ndarray:
        anchors = self._anchors(config, table)
        return video_rows(table, anchors) if self._variant(config).window else anchors

    def _feed(self, config, table, spec, sampler=None, shuffle=False) -> Feed:
        windows = None
        if self._variant(config).window:
            windows = frame_windows(table, config.window)
        feed = make_feed(
            table,
            spec,
            config.image_size,
            sampler=sampler,
            shuffle=shuffle,
            windows=windows,
            input_names=WINDOW_INPUTS,
        )
        if VA in feed.y:  # eq. 3's 5-vector is built from the VA target
            feed.y[VA_STATISTICS_OUTPUT] = feed.y[VA]
            feed.sample_weight[VA_STATISTICS_OUTPUT] = feed.sample_weight[VA]
        return feed

    def train_feed(self, config, tables: RunTables, spec: OutputSpec) -> Feed:
        table = tables.train
        strata = np.where(self._anchors(config, table), table["expression"].to_numpy(np.int64), -1)
        return self._feed(config, table, spec, sampler=_balanced(strata, config))

    def validation_feed(self, config, tables: RunTables, spec: OutputSpec) -> Feed:
        return self._feed(config, tables.validation, spec)

    def build(self, config, spec: OutputSpec, tables: RunTables) -> Models:
        if not config.frame_model:
            raise ValueError(
                "stage 'temporal' needs the frame model: set frame_model=PATH/model.keras "
                "(the staged recipe sets it to RUN_DIR/frame/model.keras)"
            )
        frame = load_predictor(config.frame_model)
        if config.trainable == "last_stage":
            freeze_all_but_last_stage(frame)
        variant = self._variant(config)
        temporal = build_stat_lstm_model(
            feature_dim=int(frame.output[FEATURES_OUTPUT].shape[-1]),
            num_classes=spec[EXPRESSION].size,
            window=config.window,
            variant=variant.number,
            lstm_layers=config.lstm_layers,
            lstm_units=config.lstm_units,
            branch_units=config.branch_units,
            name=f"stat_lstm{variant.number}",
        )
        if variant.window:
            window = build_window_model(frame, temporal, name="window_model")
            inputs, outputs = window.input, window.output
        else:
            inputs = keras.Input(frame.input_shape[1:], name="image")
            frames = frame(inputs)
            outputs = temporal(
                {"features": frames[FEATURES_OUTPUT], "probabilities": frames[EXPRESSION]}
            )
        model = combined_predictor(inputs, dict(outputs), f"variant{variant.number}")
        return Models(model, model)

    def losses(self, config, spec, tables):
        chosen = {EXPRESSION: losses.WeightedCrossEntropy()}  # eq. 1, w1 = 1
        weights = {EXPRESSION: 1.0}
        if VA in spec:
            # eq. 4: w2 = w3 = 0.4 on 1 - CCC of arousal and valence (eq. 2), w4 = 0.2 (eq. 3)
            chosen[VA] = losses.CCCLoss(dimension_weights=[0.4, 0.4])
            chosen[VA_STATISTICS_OUTPUT] = losses.VectorMSE()
            weights.update({VA: 1.0, VA_STATISTICS_OUTPUT: 0.2})
        return chosen, weights

    def metrics(self, config, spec) -> dict:
        return {EXPRESSION: abaw_metrics(spec)[EXPRESSION]}
