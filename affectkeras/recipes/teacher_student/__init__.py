"""Seed 002 (Vu et al.): the ``teacher_student`` recipe and its parts.

- ``recipe``: :class:`TeacherStudent`, the four stages and the final predictor;
- ``config``: :class:`TeacherStudentConfig`, the paper's defaults and keys;
- ``stages``: the teacher, student, GRU teacher and GRU student stages (eq. 7-10);
- ``task_sets``: the EXPR, VA and EXPR_VA task sets and per-sample loss weights (numpy).
"""

from affectkeras.recipes.teacher_student.config import TeacherStudentConfig
from affectkeras.recipes.teacher_student.recipe import TeacherStudent

__all__ = ["TeacherStudent", "TeacherStudentConfig"]
