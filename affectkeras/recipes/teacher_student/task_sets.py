"""Seed 002's three training task sets and the per-sample loss weights of eq. 7-10 (numpy).

Vu et al. (sec. 3.1-3.2) split the multi-database training data into

- set 1, *Mixed EXPR*: samples trained for the expression task (EXPR);
- set 2, *Mixed VA*: samples trained for valence/arousal (VA);
- set 3, *Affect EXPR_VA*: samples of a database annotated for both (AffectNet), trained for
  both at once (the EXPR_VA task that "guides" the training).

Here a dataset is an EXPR_VA dataset when named in ``expr_va_datasets`` or, with ``auto``,
when it has rows labelled for both tasks and every one of its rows with one of the seven basic
expressions also has valence/arousal (AffectNet: its contempt, none and uncertain rows carry VA
but no basic expression, so they are not judged; Aff-Wild2 and ExpW have expression-only rows,
AFEW-VA has no expression). Its rows with both labels are set-3 instances. Every other row is a
set-1 instance when it has an expression label and a set-2 instance when it has a VA label (an
AffectNet contempt or none row with VA is a set-2 instance); an Aff-Wild2 frame of a video
annotated for both tasks is therefore one instance of each set, as the paper's frame appears in
both tracks' sets. A temporal sample (a sequence) belongs to a set when any of its steps has
that label. ``describe_expr_va`` is the line the recipe logs.

Inside the sets, the draws are balanced (``balance=classes``, the default): Vu et al. apply "the
same dataset balancing protocol as [3]" (Deng et al., sec. 3.1) without describing it; [3]'s
public code draws its expression set with class-balanced weights (1 / class count) and its VA set
with weights 1 / count of the sample's cell in a 20 x 20 valence-arousal histogram. Our reading:
an EXPR instance is drawn by a uniformly chosen expression class, a VA instance by a uniformly
chosen non-empty 2-D VA bin (``balance_va_bins`` per axis over [-1, 1]), and an EXPR_VA instance
by expression class ([3] has no EXPR_VA set: that choice is ours). A sequence's class is the most
frequent among its labelled steps. ``instance_strata`` gives the classes; ``balance=none`` draws
the instances of a set uniformly (the equal set shares of each batch are kept either way).

Loss weights per instance and task (``lambda`` = 0.6):

- teacher (eq. 7): a set's own tasks are supervised where labelled; nothing else.
- student (eq. 8-10): a task is *supervised* where labelled and it is the set's own task, or,
  with ``share`` (eq. 10), any labelled task; the supervised term ``L`` carries ``lambda``
  (a loss weight of the supervised outputs) and the distillation term ``H`` then carries
  ``1 - lambda`` (eq. 8's G); where a task is not supervised the teacher's output stands in
  alone, with weight 1 (eq. 9's H terms and eq. 10's NA case).

Example:
    >>> import numpy as np
    >>> sets = np.array([1, 2, 3])
    >>> expr = np.array([True, True, True]); va = np.array([True, True, True])
    >>> w = loss_weights(sets, expr, va, student=True, share=False, distill_lambda=0.6)
    >>> w["expression"].tolist(), w["expression_distill"].astype(float).round(2).tolist()
    ([1.0, 0.0, 1.0], [0.4, 1.0, 0.4])
    >>> w = loss_weights(sets, expr, va, student=True, share=True, distill_lambda=0.6)
    >>> w["expression"].tolist()  # eq. 10: the shared VA-set frame's expression label is used
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from affectkeras.data.table import labelled_expression_va

EXPR_SET, VA_SET, EXPR_VA_SET = 1, 2, 3
SET_NAMES = {EXPR_SET: "EXPR", VA_SET: "VA", EXPR_VA_SET: "EXPR_VA"}
OWN_TASKS = {EXPR_SET: (True, False), VA_SET: (False, True), EXPR_VA_SET: (True, True)}
"""Set -> (trains expressions, trains VA) as its own tasks."""

EXPRESSION, VA_BINS_OUTPUT = "expression", "valence_arousal_bins"
DISTILL_SUFFIX = "_distill"
BASIC_EXPRESSIONS = 7
"""Expression indices below this are the seven basic ones (``labels.EXPRESSIONS[:7]``)."""


def expr_va_datasets(table: pd.DataFrame, names: Sequence[str]) -> list[str]:
    """The datasets whose doubly labelled rows form set 3 (``auto``: see the module doc)."""
    names = [str(n) for n in names]
    present = sorted(table["dataset"].astype(str).unique())
    if names != ["auto"]:
        unknown = sorted(set(names) - set(present) - {"none"})
        if unknown:
            raise ValueError(
                f"expr_va_datasets names {unknown}, which are not training datasets {present}"
            )
        return [n for n in names if n in present]
    expression, va, basic, dataset = _row_labels(table)
    chosen = []
    for name in present:
        rows = dataset == name
        if (rows & expression & va).any() and va[rows & basic].all():
            chosen.append(name)
    return chosen


def _row_labels(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: has an expression, has VA, has one of the 7 basic expressions; its dataset."""
    expression, va = labelled_expression_va(table)
    basic = expression & (table["expression"].to_numpy(np.int64) < BASIC_EXPRESSIONS)
    return expression, va, basic, table["dataset"].astype(str).to_numpy()


def describe_expr_va(table: pd.DataFrame, names: Sequence[str], chosen: Sequence[str]) -> str:
    """One log line: the datasets forming EXPR_VA with their rows per set, and, under ``auto``,
    the datasets with doubly labelled rows that were left out, and why.

    Example:
        >>> from affectkeras.data.table import make_table
        >>> t = make_table({"path": list("abc"), "split": "train", "expression": [1, -1, 2],
        ...                 "valence": [0.1, 0.2, 0.3], "arousal": [0.1, 0.2, 0.3]}, "affectnet")
        >>> describe_expr_va(t, ["auto"], ["affectnet"])
        'EXPR_VA set (auto): affectnet (2 rows with both labels; 1 VA-only rows join the VA set)'
    """
    auto = [str(n) for n in names] == ["auto"]
    expression, va, basic, dataset = _row_labels(table)
    parts = []
    for name in chosen:
        rows = dataset == name
        counts = {
            "rows with both labels": rows & expression & va,
            "VA-only rows join the VA set": rows & va & ~expression,
            "expression-only rows join the EXPR set": rows & expression & ~va,
        }
        found = [f"{int(m.sum())} {what}" for what, m in counts.items() if m.any()]
        parts.append(f"{name} ({'; '.join(found)})")
    line = f"EXPR_VA set ({'auto' if auto else 'expr_va_datasets'}): " + (
        ", ".join(parts) or "no dataset, so the teacher trains EXPR and VA only (T in {1, 2})"
    )
    left = sorted(set(dataset[expression & va]) - set(chosen)) if auto else []
    if left:
        why = []
        for name in left:
            rows = dataset == name
            lacking, judged = int((rows & basic & ~va).sum()), int((rows & basic).sum())
            why.append(f"{name} ({lacking} of its {judged} basic-expression rows lack VA)")
        line += f"; left out: {', '.join(why)} (expr_va_datasets=NAME forces one)"
    return line


def task_set_instances(
    expression: np.ndarray, va: np.ndarray, joint: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Training instances of samples: ``(sample index [K], task set [K])``.

    Args:
        expression, va: bool [M] (or [M, T] per step): the sample's labels.
        joint: bool [M]: the sample comes from an EXPR_VA dataset.
    """
    expression = np.asarray(expression, bool).reshape(len(joint), -1).any(axis=1)
    va = np.asarray(va, bool).reshape(len(joint), -1).any(axis=1)
    joint = np.asarray(joint, bool)
    both = joint & expression & va
    parts = [
        (np.flatnonzero(expression & ~both), EXPR_SET),
        (np.flatnonzero(va & ~both), VA_SET),
        (np.flatnonzero(both), EXPR_VA_SET),
    ]
    samples = np.concatenate([rows for rows, _ in parts]).astype(np.int64)
    sets = np.concatenate([np.full(len(rows), s, np.int64) for rows, s in parts])
    return samples, sets


def instance_strata(
    sets: np.ndarray, expression_class: np.ndarray, va_bin: np.ndarray
) -> np.ndarray:
    """int64 [K]: the class each instance is balanced on within its set (see the module doc).

    Args:
        sets: int [K] task set of each instance.
        expression_class, va_bin: int [K] (or [K, T] per step) expression index and 2-D VA bin
            of each instance, -1 where unlabelled; a sequence takes its most frequent class.

    Example:
        >>> instance_strata(np.array([1, 2, 3]), np.array([4, -1, 0]), np.array([-1, 17, 3]))
        array([ 4, 17,  0])
    """
    sets = np.asarray(sets, np.int64)
    expression = _most_frequent(np.asarray(expression_class, np.int64).reshape(len(sets), -1))
    va = _most_frequent(np.asarray(va_bin, np.int64).reshape(len(sets), -1))
    return np.where(sets == VA_SET, va, expression)


def _most_frequent(labels: np.ndarray) -> np.ndarray:
    """[K, T] labels (-1 = none) -> [K]: the most frequent label of each row (-1 if none)."""
    if labels.shape[1] == 1:
        return labels[:, 0]
    values = np.unique(labels[labels >= 0])
    if len(values) == 0:
        return np.full(len(labels), -1, np.int64)
    counts = (labels[:, :, None] == values[None, None, :]).sum(axis=1)
    return np.where(counts.max(axis=1) > 0, values[counts.argmax(axis=1)], -1)


def describe_balance(sets: np.ndarray, strata: np.ndarray | None) -> str:
    """One log line: each set's classes, their shares in the data and in the draws.

    Example:
        >>> describe_balance(np.array([1, 1, 1, 2]), np.array([0, 0, 5, 9]))
        'task sets in equal shares per batch; balanced inside: EXPR 2 classes (data shares 0.33-0.67, drawn 0.50 each), VA 1 classes (data shares 1.00-1.00, drawn 1.00 each)'
    """  # noqa: E501
    head = "task sets in equal shares per batch"
    if strata is None:
        return head + "; instances drawn uniformly inside each set (balance=none)"
    parts = []
    for value, name in SET_NAMES.items():
        mine = strata[sets == value]
        if len(mine):
            shares = np.unique(mine, return_counts=True)[1] / len(mine)
            parts.append(
                f"{name} {len(shares)} classes (data shares {shares.min():.2f}-{shares.max():.2f}, "
                f"drawn {1 / len(shares):.2f} each)"
            )
    return f"{head}; balanced inside: {', '.join(parts)}"


def loss_weights(
    sets: np.ndarray,
    expression: np.ndarray,
    va: np.ndarray,
    student: bool,
    share: bool = True,
    distill_lambda: float = 0.6,
    mask: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-instance float32 weights of every loss term (see the module doc).

    Args:
        sets: int [K] task set of each instance.
        expression, va: bool [K] or [K, T]: labelled entries.
        student: the student's weights (eq. 8-10) rather than the teacher's (eq. 7).
        share: eq. 10 (use every labelled task) instead of eq. 9 (only the set's own).
        distill_lambda: lambda of eq. 8.
        mask: bool like ``expression``: real steps (False on a sequence's padding).

    Returns:
        ``{"expression", "valence_arousal_bins"}`` supervised weights (0/1; lambda is the
        loss weight) and, for the student, ``"expression_distill"`` and
        ``"valence_arousal_bins_distill"``.
    """
    expression = np.asarray(expression, bool)
    va = np.asarray(va, bool)
    mask = np.ones_like(expression) if mask is None else np.asarray(mask, bool)
    own = np.array([OWN_TASKS[int(s)] for s in sets], bool).reshape(len(sets), 2)
    shape = (len(sets),) + (1,) * (expression.ndim - 1)
    weights = {}
    for column, (name, labelled) in enumerate(((EXPRESSION, expression), (VA_BINS_OUTPUT, va))):
        mine = own[:, column].reshape(shape)
        supervised = labelled & mask & (mine | (student and share))
        weights[name] = supervised.astype(np.float32)
        if student:
            distill = np.where(supervised, 1.0 - distill_lambda, 1.0) * mask
            weights[name + DISTILL_SUFFIX] = distill.astype(np.float32)
    return weights
