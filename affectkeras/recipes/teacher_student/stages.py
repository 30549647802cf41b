"""The four stages of seed 002 (Vu et al.) as ordinary recipes, each trainable on its own.

- ``TeacherStage`` (sec. 3.2, eq. 7): the multi-task CNN (ResNet + an expression softmax and
  the VA bin head) trained on the ground truth of the three task sets EXPR, VA and EXPR_VA
  (``teacher_student.task_sets``): eq. 1 (cross-entropy) on expressions, eq. 2 (bin cross-entropy +
  ``(1/B)(1 - CCC)``) on VA, eq. 3 = both on EXPR_VA samples. Batches hold the sets in equal
  shares (the paper's "equal number N of instances within a batch"), each set drawn
  class-balanced inside (``balance``, sec. 3.1's protocol of [3]: see ``task_sets``).
- ``StudentStage`` (eq. 8-10): the same architecture, fresh, trained on
  ``lambda L + (1 - lambda) H`` where a task is supervised and on the teacher's soft labels
  ``H`` (KL at temperature T, eq. 4-6) where not; the frozen teacher runs inside the training
  graph on the same augmented batch, so ``model.fit`` is unchanged on every backend.
- ``GruTeacherStage`` / ``GruStudentStage`` (sec. 3.4): the frozen student CNN's per-frame
  features of 32-frame sequences feed a bidirectional GRU with the same heads, trained with
  eq. 7 (teacher) and eq. 10 (student, the GRU teacher frozen in the graph).

Each stage saves a predictor with canonical outputs: the CNN stages take ``image``; the GRU
stages are window predictors read out per step (contract 7, ``sequence``: ``pixels``
[B, s, H, W, 3] + ``mask`` [B, s], a whole sequence of s = ``sequence_length`` frames, outputs
[B, s, ...] with each frame at its own step; ``predictor.frame_outputs``).
"""

from __future__ import annotations

import dataclasses
import logging
import math

import keras
import numpy as np
import pandas as pd

from affectkeras import losses
from affectkeras.data.feeding.feed import Feed, make_feed
from affectkeras.data.feeding.sampling import Sampler, expression_strata, va_strata
from affectkeras.data.feeding.windows import Windows, sequences, video_rows
from affectkeras.data.table import labelled_expression_va
from affectkeras.metrics.selection import abaw_metrics
from affectkeras.models import FEATURES_OUTPUT, build_bigru_model, build_task_model
from affectkeras.models.temporal import FoldTime, UnfoldTime
from affectkeras.output_spec import OutputSpec
from affectkeras.predictor import load_predictor
from affectkeras.recipes.engine.base import Models, Recipe
from affectkeras.recipes.engine.inputs import RunTables
from affectkeras.recipes.teacher_student import task_sets
from affectkeras.recipes.teacher_student.config import TeacherStudentConfig

EXPRESSION, VA, BINS = "expression", "valence_arousal", task_sets.VA_BINS_OUTPUT
DISTILL = task_sets.DISTILL_SUFFIX
WINDOW_INPUTS = ("pixels", "mask")

logger = logging.getLogger("affectkeras.recipes")


class _SeedTwoStage(Recipe):
    """What the four stages share: task sets, weights, losses, early stopping."""

    config_class = TeacherStudentConfig
    student: bool = False
    temporal: bool = False

    # ------------------------------------------------------------ data

    def labelled(self, config: TeacherStudentConfig, table: pd.DataFrame) -> np.ndarray:
        rows = super().labelled(config, table)
        return video_rows(table, rows) if self.temporal else rows

    def train_feed(self, config: TeacherStudentConfig, tables: RunTables, spec: OutputSpec) -> Feed:
        table = tables.train
        expression, va = labelled_expression_va(table)
        joint_names = task_sets.expr_va_datasets(table, config.expr_va_datasets)
        logger.info(task_sets.describe_expr_va(table, config.expr_va_datasets, joint_names))
        joint = table["dataset"].astype(str).isin(joint_names).to_numpy()
        classes = expression_strata(table), va_strata(table, config.balance_va_bins)
        if self.temporal:
            seqs = sequences(table, config.sequence_length)
            mask = seqs.mask
            expression, va = expression[seqs.rows] & mask, va[seqs.rows] & mask
            samples, sets = task_sets.task_set_instances(expression, va, joint[seqs.anchors])
            windows = Windows(seqs.rows[samples], mask[samples], seqs.anchors[samples], True)
            mask = mask[samples]
            classes = [np.where(mask, c[windows.rows], -1) for c in classes]
        else:
            samples, sets = task_sets.task_set_instances(expression, va, joint)
            windows, mask = None, None
            classes = [c[samples] for c in classes]
        strata = None
        if config.balance == "classes":
            strata = task_sets.instance_strata(sets, *classes)
        logger.info(task_sets.describe_balance(sets, strata))
        groups = {task_sets.SET_NAMES[s]: np.flatnonzero(sets == s) for s in np.unique(sets)}
        sampler = Sampler.mixed(
            groups,
            dict.fromkeys(groups, 1.0),
            config.batch_size,
            num_batches=max(1, math.ceil(len(sets) / config.batch_size)),
            seed=config.seed,
            strata=None if strata is None else {k: strata[v] for k, v in groups.items()},
        )
        if windows is None:
            feed = make_feed(table.iloc[samples], spec, config.image_size, sampler=sampler)
        else:
            feed = make_feed(
                table,
                spec,
                config.image_size,
                sampler=sampler,
                windows=windows,
                input_names=WINDOW_INPUTS,
            )
        weights = task_sets.loss_weights(
            sets,
            expression[samples],
            va[samples],
            self.student,
            config.share_annotations,
            config.distill_lambda,
            mask,
        )
        feed.y = self._targets(feed.y)
        feed.sample_weight = weights
        return feed

    def _targets(self, y: dict) -> dict:
        """The task targets under the trained outputs' names (+ placeholders for the KL)."""
        result = {EXPRESSION: y[EXPRESSION], BINS: y[VA]}
        if self.student:
            placeholder = np.zeros(y[EXPRESSION].shape, np.float32)
            result[EXPRESSION + DISTILL] = placeholder
            result[BINS + DISTILL] = placeholder
        return result

    def validation_feed(
        self, config: TeacherStudentConfig, tables: RunTables, spec: OutputSpec
    ) -> Feed:
        windows = None
        if self.temporal:  # the GRU predictor reads whole sequences, each frame at its step
            windows = sequences(tables.validation, config.sequence_length)
        feed = make_feed(
            tables.validation,
            spec,
            config.image_size,
            shuffle=False,
            windows=windows,
            input_names=WINDOW_INPUTS,
        )
        feed.y[BINS] = feed.y[VA]  # val_loss: eq. 2 on the bins
        feed.sample_weight[BINS] = feed.sample_weight[VA]
        return feed

    # ------------------------------------------------------------ training

    def losses(self, config: TeacherStudentConfig, spec: OutputSpec, tables: RunTables):
        chosen = {
            EXPRESSION: losses.WeightedCrossEntropy(),  # eq. 1
            BINS: losses.VABinsLoss(config.va_bins, config.ccc_divisor),  # eq. 2
        }
        if not self.student:
            return chosen, {}
        chosen[EXPRESSION + DISTILL] = losses.PairedDistillationKL(config.temperature, 1)
        chosen[BINS + DISTILL] = losses.PairedDistillationKL(config.temperature, 2)
        lam = config.distill_lambda
        return chosen, {EXPRESSION: lam, BINS: lam, EXPRESSION + DISTILL: 1.0, BINS + DISTILL: 1.0}

    def metrics(self, config: TeacherStudentConfig, spec: OutputSpec) -> dict:
        if self.temporal:
            return {}  # per-frame outputs; validation scores the current frames
        return {EXPRESSION: abaw_metrics(spec)[EXPRESSION]}

    def train(self, data, out, config=None, callbacks=()):
        config = config or self.config()
        extra = list(callbacks)
        if config.patience:
            extra.insert(
                0,
                keras.callbacks.EarlyStopping(
                    monitor="val_score", mode="max", patience=config.patience
                ),
            )
        return super().train(data, out, config, extra)

    # ------------------------------------------------------------ models

    def _cnn(self, config: TeacherStudentConfig, spec: OutputSpec, name: str) -> keras.Model:
        return build_task_model(
            self.backbone(config),
            spec,
            head=config.head,
            va_bins=config.va_bins,
            return_features=True,
            name=name,
        )

    def _models(self, inputs, student: dict, teacher: dict | None, predictor) -> Models:
        outputs = {EXPRESSION: student[EXPRESSION], BINS: student[BINS]}
        if teacher is not None:
            for name in (EXPRESSION, BINS):
                pair = keras.layers.Concatenate(axis=-1, name=name + DISTILL, dtype="float32")
                outputs[name + DISTILL] = pair([teacher[name], student[name]])
        return Models(keras.Model(inputs, outputs, name="training_model"), predictor)


def _frozen(path: str | None, stage: str, key: str) -> keras.Model:
    if not path:
        raise ValueError(
            f"stage {stage!r} needs the earlier stage's model: set {key}=PATH/model.keras "
            "(the staged recipe sets it to RUN_DIR/<stage>/model.keras)"
        )
    model = load_predictor(path)
    model.trainable = False
    return model


class TeacherStage(_SeedTwoStage):
    """Seed 002's CNN teacher (eq. 7)."""

    name = "teacher_student.teacher"

    def build(self, config, spec, tables) -> Models:
        cnn = self._cnn(config, spec, "teacher_cnn")
        outputs = cnn.output
        predictor = keras.Model(cnn.inputs, outputs, name="teacher_cnn")
        return self._models(cnn.inputs, outputs, None, predictor)


class StudentStage(_SeedTwoStage):
    """Seed 002's CNN student (eq. 8-10), distilled from the frozen CNN teacher."""

    name = "teacher_student.student"
    student = True

    def build(self, config, spec, tables) -> Models:
        teacher = _frozen(config.teacher_model, "student", "teacher_model")
        cnn = self._cnn(config, spec, "student_cnn")
        image = cnn.inputs[0]
        outputs = cnn.output
        predictor = keras.Model(cnn.inputs, outputs, name="student_cnn")
        return self._models(cnn.inputs, outputs, teacher(image), predictor)


class GruTeacherStage(_SeedTwoStage):
    """Seed 002's GRU teacher (eq. 7) over the frozen student CNN's per-frame features."""

    name = "teacher_student.gru_teacher"
    temporal = True
    gru_name = "teacher_gru"

    def build(self, config, spec, tables) -> Models:
        cnn = _frozen(config.student_model, self.gru_name, "student_model")
        inputs, features = _sequence_features(cnn, config.sequence_length)
        gru = self._gru(config, spec, features.shape[-1])
        per_frame = gru({"features": features, "mask": inputs["mask"]})
        teacher = self._teacher_gru(config)
        soft = None if teacher is None else teacher({"features": features, "mask": inputs["mask"]})
        return self._models(inputs, per_frame, soft, _sequence_predictor(inputs, per_frame, gru))

    def _gru(self, config, spec, feature_dim: int) -> keras.Model:
        return build_bigru_model(
            feature_dim,
            spec,
            sequence_length=config.sequence_length,
            units=config.gru_units,
            va_bins=config.va_bins,
            name=self.gru_name,
        )

    def _teacher_gru(self, config) -> keras.Model | None:
        return None


class GruStudentStage(GruTeacherStage):
    """Seed 002's GRU student (eq. 10), distilled from the frozen GRU teacher."""

    name = "teacher_student.gru"
    student = True
    gru_name = "student_gru"

    def _teacher_gru(self, config) -> keras.Model:
        model = _frozen(config.gru_teacher_model, "gru", "gru_teacher_model")
        gru = model.get_layer(GruTeacherStage.gru_name)
        gru.trainable = False
        return gru


def _sequence_features(cnn: keras.Model, steps: int):
    """Window inputs and the frozen CNN's features of every frame, [B, T, D]."""
    pixels = keras.Input((steps, *cnn.input_shape[1:]), name="pixels")
    mask = keras.Input((steps,), dtype="bool", name="mask")
    frames = cnn(FoldTime(name="fold_frames")(pixels))
    features = UnfoldTime(steps, name="unfold_features")(frames[FEATURES_OUTPUT])
    return {"pixels": pixels, "mask": mask}, features


def _sequence_predictor(inputs: dict, per_frame: dict, gru: keras.Model) -> keras.Model:
    """The window predictor, read out per step (``predictor`` module doc: ``sequence``).

    The GRU is trained with a target at every step of a 32-frame sequence; reading only the
    last step (as before issue 21) left its backward direction one frame. Each frame of a
    sequence is read at its own step instead: outputs [B, s, ...].
    """
    outputs = {key: keras.layers.Identity(name=key)(value) for key, value in per_frame.items()}
    return keras.Model(inputs, outputs, name=f"{gru.name}_sequence")


def stage_config(config: TeacherStudentConfig, stage: str, **paths) -> TeacherStudentConfig:
    """A stage's config: the GRU stages use ``gru_batch_size`` and ``gru_epochs``."""
    changes = dict(paths, stage=stage)
    if stage in ("gru_teacher", "gru"):
        changes["batch_size"] = config.gru_batch_size
        if config.gru_epochs is not None:
            changes["epochs"] = config.gru_epochs
    return dataclasses.replace(config, **changes)
