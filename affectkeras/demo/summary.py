"""The demo's closing summary: scores beside a trivial predictor's, the clip, and every file.

Example:
    >>> state = {"scores": {"expr_f1": 0.3, "expr_acc": 0.5, "au_f1": 0.3, "va_ccc": 0.5,
    ...                     "va_ccc_valence": 0.4, "va_ccc_arousal": 0.6, "mtl_p": 1.1,
    ...                     "n_expr": 800, "n_au": 900, "n_va": 700},
    ...          "trivial": {"expr_f1": 0.07, "expr_acc": 0.4, "au_f1": 0.29, "va_ccc": 0.0,
    ...                      "mtl_p": 0.36},
    ...          "synth": {"validation": 100}, "best_epoch": 9, "majority": 0,
    ...          "paths": {"metrics": "runs/demo/metrics.json"},
    ...          "seconds": {"synth": 9.6, "total": 170.0}}
    >>> print(format_summary(state))
    <BLANKLINE>
    summary
      validation: 100 people the model never saw (best epoch 10, picked on this split)
                              model   trivial   frames
        expression F1          0.30      0.07      800
        expression accuracy    0.50      0.40      800
        AU F1                  0.30      0.29      900
        VA CCC                 0.50      0.00      700   valence 0.40, arousal 0.60
        mtl_p                  1.10      0.36            expression F1 + AU F1 + VA CCC
        (trivial: always "neutral", every AU present, the mean valence and arousal)
      written:
        runs/demo/metrics.json  validation scores, written by evaluate
    total 2 min 50 s (synth 10 s)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from affectkeras import labels

ROWS = (
    ("expression F1", "expr_f1", "n_expr", ""),
    ("expression accuracy", "expr_acc", "n_expr", ""),
    ("AU F1", "au_f1", "n_au", ""),
    ("VA CCC", "va_ccc", "n_va", "valence {va_ccc_valence:.2f}, arousal {va_ccc_arousal:.2f}"),
    ("mtl_p", "mtl_p", "", "expression F1 + AU F1 + VA CCC"),
)
"""Summary rows: name, metrics.json key, key of the frame count, note."""
CLIP_SCORES = (("expression accuracy", "expr_acc"), ("AU F1", "au_f1"), ("VA CCC", "va_ccc"))
PATHS = (
    ("synth", "synthetic Aff-Wild2 tree (data spec affwild2:{path})"),
    ("run_model", "the trained model"),
    ("run_config", "its resolved training config"),
    ("run_history", "its per-epoch scores"),
    ("run_metrics", "its validation scores, written by train"),
    ("metrics", "validation scores, written by evaluate"),
    ("export", "SavedModel: serving_default(image uint8) -> expression, action_units, VA"),
    ("clip", "the test clip"),
    ("predictions", "one row per frame and face"),
    ("record", "settings, scores and timings of this demo"),
)
PLOT_PATHS = ("evaluation_plots", "prediction_plots")


def format_summary(state: dict[str, Any]) -> str:
    """The summary printed at the end of ``run_demo`` (``state`` is what it returns)."""
    lines = ["", "summary"]
    lines += _score_lines(state)
    lines += _clip_lines(state)
    serving = state.get("serving", {})
    if "max_abs_diff" in serving:
        lines.append(
            f"  serving: a REST request through the SavedModel answers like the Keras model "
            f"(largest difference {serving['max_abs_diff']:.1e} on {serving['images']} faces)"
        )
    lines += _path_lines(state.get("paths", {}))
    lines += _time_lines(state.get("seconds", {}))
    return "\n".join(lines)


def _score_lines(state: dict[str, Any]) -> list[str]:
    scores, trivial = state.get("scores", {}), state.get("trivial", {})
    if not scores:
        return []
    people = state.get("synth", {}).get("validation")
    where = f"{people} people the model never saw" if people else "the validation split"
    if state.get("best_epoch") is not None:
        where += f" (best epoch {state['best_epoch'] + 1}, picked on this split)"
    lines = [f"  validation: {where}", f"    {'':20s} {'model':>6s}  {'trivial':>8s}   frames"]
    for name, key, count, note in ROWS:
        if key not in scores:
            continue
        baseline = f"{trivial[key]:8.2f}" if key in trivial else f"{'':8s}"
        frames = f"{scores[count]:>6}" if count in scores else f"{'':6s}"
        extra = f"   {note.format(**scores)}" if note else ""
        lines.append(f"    {name:20s} {scores[key]:6.2f}  {baseline}   {frames}{extra}")
    majority = labels.EXPRESSIONS[state["majority"]] if "majority" in state else "the majority"
    lines.append(
        f'    (trivial: always "{majority}", every AU present, the mean valence and arousal)'
    )
    return lines


def _clip_lines(state: dict[str, Any]) -> list[str]:
    clip = state.get("clip")
    if not clip:
        return []
    trivial = clip.get("trivial", {})
    parts = [
        f"{name} {clip[key]:.2f} (trivial {trivial.get(key, float('nan')):.2f})"
        for name, key in CLIP_SCORES
        if key in clip
    ]
    found = f"face found in {clip['found']} of {clip['frames']} frames"
    return [f"  clip: a person not in the data, {found}", f"    {', '.join(parts)}"]


def _path_lines(paths: dict[str, Any]) -> list[str]:
    rows = [(str(paths[key]), note.format(path=paths[key])) for key, note in PATHS if key in paths]
    figures = [Path(p) for key in PLOT_PATHS for p in paths.get(key, [])]
    if figures:
        rows.append((f"{figures[0].parent}/", "figures: " + ", ".join(p.name for p in figures)))
    width = max((len(path) for path, _ in rows), default=0)
    return ["  written:", *(f"    {path:{width}s}  {note}" for path, note in rows)]


def _time_lines(seconds: dict[str, float]) -> list[str]:
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items() if k != "total")
    minutes, rest = divmod(round(seconds.get("total", 0.0)), 60)
    text = f"total {minutes} min {rest} s"
    return [f"{text} ({steps})" if steps else text]
