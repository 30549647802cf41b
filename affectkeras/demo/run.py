"""``run_demo``: synthetic data -> train -> evaluate -> export -> predict, in one call.

Each step calls the library function behind its CLI command (``synth``, ``train``,
``evaluate``, ``export``, ``predict``), so the demo shows what those commands do; the folder it
writes is described in ``affectkeras.demo`` and ``folder``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from affectkeras.demo import folder
from affectkeras.demo.progress import EpochLines, Step
from affectkeras.demo.settings import RECIPE, STAGE, DemoSettings, train_command, train_overrides
from affectkeras.demo.summary import format_summary

STEPS = 5
SERVING_IMAGES = 4
SERVING_TOLERANCE = 1e-5
"""Largest difference allowed between ``serve_rest`` and the Keras model at the model's size."""

logger = logging.getLogger("affectkeras.demo")


def run_demo(
    out: str | Path = "runs/demo",
    settings: DemoSettings | None = None,
    progress: bool = True,
    echo: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Runs the five steps into ``out`` and prints what they do, their times and a summary.

    Args:
        out: the demo's folder (a rerun keeps what the same settings made; see ``folder``).
        settings: sizes of the data, training and clip (default: ``DemoSettings()``).
        progress: show progress bars and per-epoch lines.
        echo: receives every line printed (default ``print``).

    Returns:
        ``out``, ``settings``, ``paths`` (name -> path written), ``scores`` (metrics.json),
        ``trivial`` (a constant predictor's scores on the same rows), ``clip``, ``serving``,
        ``seconds`` (per step) and ``train_command`` (the same training as a CLI command).

    Raises:
        ValueError: ``out`` is not a demo folder; RuntimeError: the exported model answers
        differently from the Keras model.
    """
    started = time.perf_counter()
    settings = settings or DemoSettings()
    out = Path(out)
    note = folder.prepare_out(out, settings)
    echo(f"affectkeras demo -> {out} ({note})")
    state: dict[str, Any] = {"out": str(out), "settings": settings.to_dict(), "paths": {}}
    state["seconds"] = {}
    with _quiet_logs():
        for number, (name, title, function) in enumerate(_steps(out, settings), start=1):
            with Step(echo, number, STEPS, title) as step:
                function(out, settings, state, progress, echo)
            state["seconds"][name] = round(step.seconds, 1)
    state["seconds"]["total"] = round(time.perf_counter() - started, 1)
    state["paths"]["record"] = str(out / folder.DEMO_FILE)
    folder.write_record(out, {"version": _version(), **state})
    echo(format_summary(state))
    return state


def _steps(out: Path, settings: DemoSettings) -> list[tuple[str, str, Callable]]:
    people = settings.videos
    return [
        (
            "synth",
            f"synth: {people} synthetic people, {settings.frames} video frames each, "
            f"{settings.size} px -> {out / folder.SYNTH}",
            synth_step,
        ),
        (
            "train",
            f"train: seed 001's multi-task network (expressions, 12 AUs, valence/arousal) on "
            f"the `tiny` backbone, {settings.epochs} epochs -> {out / folder.RUN / STAGE}",
            train_step,
        ),
        ("evaluate", "evaluate: the validation split (people not trained on)", evaluate_step),
        ("export", f"export: SavedModel for TF-Serving -> {out / folder.EXPORT}", export_step),
        (
            "predict",
            f"predict: a {settings.clip_frames}-frame video of a new person -> "
            f"{out / folder.PREDICTIONS}",
            predict_step,
        ),
    ]


def synth_step(out: Path, settings: DemoSettings, state: dict, progress: bool, echo) -> None:
    """Step 1: the synthetic Aff-Wild2 tree (``affectkeras synth``), kept if already there."""
    from affectkeras.data.synthetic import write_affwild2

    path = out / folder.SYNTH
    summary = _synth_record(path)
    if _synth_matches(summary, settings):
        echo(f"  kept {path} (same settings)")
    else:
        write_affwild2(
            path,
            settings.videos,
            settings.frames,
            settings.seed,
            settings.size,
            progress=progress,
            workers=min(2, os.cpu_count() or 1),
        )
        summary = _synth_record(path)
    splits = summary["splits"]
    skipped = sum(counts["skipped"] for counts in splits.values())
    echo(
        f"  {splits['train']['videos']} people to train on, {splits['validation']['videos']} to "
        f"validate on; {skipped} annotated frames have no crop (face lost, as in Aff-Wild2): "
        "the reader skips them"
    )
    state["synth"] = {split: counts["videos"] for split, counts in splits.items()}
    state["paths"]["synth"] = str(path)


def train_step(out: Path, settings: DemoSettings, state: dict, progress: bool, echo) -> None:
    """Step 2: ``affectkeras train --recipe mtl_fusion --set stage=mtl ...`` (resumes a run)."""
    from affectkeras.recipes import RunDir, get_recipe

    data = f"affwild2:{out / folder.SYNTH}"
    run_path = out / folder.RUN
    command = train_command(settings, data, str(run_path))
    echo(f"  same as: {command}")
    recipe = get_recipe(RECIPE)
    config = recipe.config(None, [*train_overrides(settings), "verbose=0"])
    stage = RunDir(run_path / STAGE)
    if stage.finished():
        echo(f"  kept the finished run in {stage.path} (remove {run_path} to train again)")
    elif stage.started():
        echo(f"  resuming the interrupted run in {stage.path}")
    callbacks = [EpochLines(echo, settings.epochs)] if progress else []
    recipe.train([data], run_path, config, callbacks=callbacks)
    state["train_command"] = command
    state["best_epoch"] = stage.best_epoch()
    for name in ("model", "config", "history", "metrics"):
        state["paths"][f"run_{name}"] = str(getattr(stage, name))


def evaluate_step(out: Path, settings: DemoSettings, state: dict, progress: bool, echo) -> None:
    """Step 3: ``affectkeras evaluate RUN --data ...?split=validation --plot OUT/plots``."""
    from affectkeras.data import read
    from affectkeras.data.table import expression_classes
    from affectkeras.demo.baselines import majority_class, trivial_scores
    from affectkeras.evaluation import canonical_truth, evaluate

    spec = f"affwild2:{out / folder.SYNTH}?split=validation"
    plots = out / folder.PLOTS
    metrics = out / folder.METRICS
    before = set(plots.glob("*.png")) if plots.is_dir() else set()
    model = state["paths"]["run_model"]
    state["scores"] = evaluate(model, spec, metrics, progress=progress, plot_dir=plots)
    table = read(spec)
    classes = expression_classes(table)
    truth = canonical_truth(table, classes)
    state["classes"] = classes
    state["majority"] = majority_class(truth["expression"])
    state["trivial"] = trivial_scores(truth, classes)
    state["paths"]["metrics"] = str(metrics)
    written = sorted(set(plots.glob("*.png")) - before) or sorted(plots.glob("*.png"))
    state["paths"]["evaluation_plots"] = [str(p) for p in written]


def export_step(out: Path, settings: DemoSettings, state: dict, progress: bool, echo) -> None:
    """Step 4: ``affectkeras export RUN --out OUT/export``, then one REST request through it."""
    if importlib.util.find_spec("tensorflow") is None:
        echo('  skipped: export needs TensorFlow (pip install "affectkeras[tf-cpu]")')
        state["serving"] = {"skipped": "no TensorFlow"}
        return
    from affectkeras.export import export_model, rest_request_body, serve_rest
    from affectkeras.predictor import load_predictor, output_dict

    model = load_predictor(state["paths"]["run_model"])
    path = export_model(model, out / folder.EXPORT, overwrite=True)
    images = _validation_images(out, SERVING_IMAGES)
    answer = serve_rest(path, rest_request_body(images))
    expected = output_dict(model, model.predict_on_batch(images))
    difference = serving_difference(answer, expected)
    state["serving"] = {"images": len(images), "max_abs_diff": difference}
    state["paths"]["export"] = str(path)
    if not difference <= SERVING_TOLERANCE:
        raise RuntimeError(
            f"{path}: serve_rest answered up to {difference:.3g} away from the Keras model "
            f"(tolerance {SERVING_TOLERANCE:g}) on {len(images)} validation faces"
        )
    echo(
        f"  a TF-Serving REST request with {len(images)} validation faces gives the Keras "
        f"model's outputs (largest difference {difference:.1e})"
    )


def predict_step(out: Path, settings: DemoSettings, state: dict, progress: bool, echo) -> None:
    """Step 5: draw the clip, ``affectkeras predict RUN OUT/clip.avi --plot OUT/plots``."""
    from affectkeras.demo.clip import clip_scores, draw_clip
    from affectkeras.inference.predict import predict, write_csv
    from affectkeras.plots import plot_predictions

    clip = draw_clip(
        out / folder.CLIP,
        settings.seed,
        index=settings.videos,  # the first person synth did not draw
        frames=settings.clip_frames,
        fps=settings.clip_fps,
    )
    table = predict(state["paths"]["run_model"], clip.path, progress=progress)
    csv = write_csv(table, out / folder.PREDICTIONS)
    figures = plot_predictions(table, out / folder.PLOTS)
    state["clip"] = clip_scores(table, clip, state["classes"], state["majority"])
    state["clip"]["rows"] = len(table)
    state["paths"].update(clip=str(clip.path), predictions=str(csv))
    state["paths"]["prediction_plots"] = [str(p) for p in figures]


def serving_difference(answer: dict[str, Any], expected: Any) -> float:
    """Largest absolute difference between a TF-Serving REST answer and Keras outputs.

    Args:
        answer: ``{"predictions": [{name: values}, ...]}`` (row format) or
            ``{"outputs": {name: values}}`` (columnar format).
        expected: the Keras model's ``predict`` outputs (a dict by output name).

    Raises:
        ValueError: an output of the model missing from the answer.

    Example:
        >>> import numpy as np
        >>> answer = {"predictions": [{"valence_arousal": [0.5, 0.25]}]}
        >>> serving_difference(answer, {"valence_arousal": np.array([[0.5, 0.5]])})
        0.25
    """
    if "predictions" in answer:
        rows = answer["predictions"]
        served = {name: np.array([row[name] for row in rows]) for name in rows[0]}
    else:
        served = {name: np.asarray(value) for name, value in answer["outputs"].items()}
    worst = 0.0
    for name, value in dict(expected).items():
        if name not in served:
            raise ValueError(f"the served model's answer lacks output {name!r}")
        worst = max(worst, float(np.max(np.abs(served[name] - np.asarray(value)))))
    return worst


def _validation_images(out: Path, count: int) -> np.ndarray:
    """The first ``count`` validation crops, uint8 RGB [count, size, size, 3]."""
    import cv2

    from affectkeras.data import read

    table = read(f"affwild2:{out / folder.SYNTH}?split=validation")
    images = []
    for path in table["path"].iloc[:count]:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise OSError(f"{path}: cannot read the image")
        images.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return np.stack(images)


def _synth_record(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / "synth.json").read_text())
    except (OSError, ValueError):
        return None


def _synth_matches(record: dict[str, Any] | None, settings: DemoSettings) -> bool:
    if not record:
        return False
    return (
        record.get("seed") == settings.seed
        and record.get("size") == settings.size
        and record.get("frames_per_video") == settings.frames
        and len(record.get("videos", [])) == settings.videos
    )


def _version() -> str:
    from affectkeras import __version__

    return __version__


class _DropFilter(logging.Filter):
    """Drops the log records whose message template contains ``text``."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in str(record.msg)


@contextmanager
def _quiet_logs():
    """While the demo runs: no INFO lines from the library (unless it logs DEBUG, ``-v``), no
    'skipped' warnings of the reader (the synth step counts those frames), and no TensorFlow
    warning that a predict function was traced again (each step loads the model anew, which
    retraces by design), so the step lines and progress bars tell the story."""
    package = logging.getLogger("affectkeras")
    level = package.level
    if package.getEffectiveLevel() > logging.DEBUG:
        package.setLevel(max(package.getEffectiveLevel(), logging.WARNING))
    filters = [
        (logging.getLogger("affectkeras.data"), _DropFilter("skipped %d sample(s)")),
        (logging.getLogger("tensorflow"), _DropFilter("triggered tf.function retracing")),
    ]
    for logger_, drop in filters:
        logger_.addFilter(drop)
    try:
        yield
    finally:
        for logger_, drop in filters:
            logger_.removeFilter(drop)
        package.setLevel(level)
