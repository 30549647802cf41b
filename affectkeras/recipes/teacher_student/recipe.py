"""Recipe ``teacher_student``: seed 002's multi-task, multi-database distillation (Vu et al.).

Datasets labelled for different tasks (an expression set, a VA set, a set labelled for both,
like AffectNet) train one network for expressions and valence/arousal. Four stages, each an
ordinary run in ``RUN_DIR/<stage>/`` (``recipes.engine.stages``):

1. ``teacher``: the multi-task CNN on the ground truth of the three task sets EXPR, VA and
   EXPR_VA (eq. 1-3 and the batch loss eq. 7);
2. ``student``: a fresh CNN on ``lambda L + (1 - lambda) H`` with the frozen teacher's soft
   labels (eq. 4-6, 8), the teacher's outputs standing in alone where a label is missing (eq.
   9), and a frame's second label used when it has one (eq. 10, ``share_annotations``);
3. ``gru_teacher`` and ``gru``: per-frame features of the frozen student CNN, in 32-frame
   sequences, through a bidirectional GRU, trained with eq. 7 and then eq. 10 (sec. 3.4,
   Table 3).

``model.keras`` is the GRU student, a window predictor read out per step (``pixels``
[B, 32, H, W, 3] + ``mask``, a whole 32-frame sequence, outputs [B, 32, ...]: each frame at its
own step); ``RUN_DIR/student/model.keras`` is the CNN student (an image predictor). The data
sets, the stage recipes and their losses are described in ``recipes.teacher_student.task_sets``
and ``recipes.teacher_student.stages``.

Heads: the paper adds "two head layers" (one per output) and we default to ``head: linear``, one
Dense per task. The authors' code has a tower per task instead, BatchNorm -> Dense 128 -> ReLU
-> BatchNorm -> Dropout(0.5) -> Dense (the rate is the code's; the paper gives none), offered as
``head: bn_fc128`` (docs/models.md). It is not the default: the paper does not describe it, and
its BatchNorm statistics would not match the code's anyway, whose every task set's batch is a
separate forward pass where ours mixes the task sets in one batch. The GRU stages keep a Dense
per task after the GRU, as the code's ``GRU_Head`` does.

Example:
    >>> recipe = TeacherStudent()
    >>> [stage.name for stage in recipe.stages(recipe.config(), Path("run"))]
    ['teacher', 'student', 'gru_teacher', 'gru']
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from affectkeras.data.feeding.windows import video_rows
from affectkeras.predictor import MODEL_FILE
from affectkeras.recipes.engine.run_dir import RunDir
from affectkeras.recipes.engine.stages import Stage, StagedRecipe
from affectkeras.recipes.teacher_student.config import TeacherStudentConfig
from affectkeras.recipes.teacher_student.stages import (
    GruStudentStage,
    GruTeacherStage,
    StudentStage,
    TeacherStage,
    stage_config,
)


class TeacherStudent(StagedRecipe):
    """Seed 002's teacher -> student -> GRU teacher -> GRU student (see the module doc)."""

    name = "teacher_student"
    config_class = TeacherStudentConfig

    def stages(self, config: TeacherStudentConfig, run_path: Path) -> list[Stage]:
        run_path = Path(run_path)

        def path(key: str, stage: str) -> tuple[str, dict]:
            chosen = getattr(config, key) or str(run_path / stage / MODEL_FILE)
            return chosen, {Path(chosen): key}

        teacher, teacher_needs = path("teacher_model", "teacher")
        student, student_needs = path("student_model", "student")
        gru_teacher, gru_teacher_needs = path("gru_teacher_model", "gru_teacher")
        return [
            Stage("teacher", TeacherStage(), stage_config(config, "teacher")),
            Stage(
                "student",
                StudentStage(),
                stage_config(config, "student", teacher_model=teacher),
                teacher_needs,
            ),
            Stage(
                "gru_teacher",
                GruTeacherStage(),
                stage_config(config, "gru_teacher", student_model=student),
                student_needs,
            ),
            Stage(
                "gru",
                GruStudentStage(),
                stage_config(config, "gru", student_model=student, gru_teacher_model=gru_teacher),
                {**student_needs, **gru_teacher_needs},
            ),
        ]

    def labelled(self, config: TeacherStudentConfig, table: pd.DataFrame) -> np.ndarray:
        # the final predictor is the GRU's window model: keep whole videos for its windows
        return video_rows(table, super().labelled(config, table))

    def train(self, data, out, config=None, callbacks=()):
        config = config or self.config()
        gru_teacher = RunDir(Path(out) / "gru_teacher")
        if config.stage == "gru" and not config.gru_teacher_model and not gru_teacher.finished():
            first = dataclasses.replace(config, stage="gru_teacher")
            super().train(data, out, first, callbacks)
        return super().train(data, out, config, callbacks)
