"""Per-frame affect of every face in an image, a folder of images or a video.

For each frame: YuNet finds the faces (``detect``), each is cut as the model's training faces
were (``affectkeras.framing``: aligned to the five-point template, or the detector's box with
a margin) at the model's input size (``align``), faces are linked over frames by an IoU tracker
(``tracks``), and the model predicts batches of faces. A frame without a face gives one row with
``face`` = -1 and empty predictions, so no frame is dropped silently. Window (temporal)
predictors (contract 7) get, per face, the window of its track's previous crops (``last``
read-out), or each track cut into whole sequences, every frame read at its own step
(``sequence`` read-out: a face's row is filled once its sequence is complete or the video
ends; ``affectkeras.predictor``). With
``detect=False`` every image is taken as an already cropped face (resized to the model's size).

Rows follow SPEC.md's predict CSV (``columns.PREDICT_COLUMNS``); faces of a frame are numbered
in the order their tracks started (left to right among faces that appear together).

Example:
    >>> import numpy as np, keras
    >>> from affectkeras.data.synthetic import composite
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> model = build_task_model(get_backbone("tiny", input_shape=(32, 32, 3)),
    ...                          OutputSpec.create("expr,va", 7))
    >>> frame, _ = composite.synthetic_frame(np.random.default_rng(7), faces=2)
    >>> table = predict_frames(model, [Frame("a.png", -1, frame), Frame("b.png", -1, frame[:50])])
    >>> table[["image", "face", "expression_name"]].shape, table["face"].tolist()
    ((3, 3), [0, 1, -1])
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affectkeras.data.skips import SkipReport
from affectkeras.framing import face_framing
from affectkeras.inference.columns import INTEGER_COLUMNS, PREDICT_COLUMNS, prediction_values
from affectkeras.inference.detect import FaceDetector
from affectkeras.inference.face_follow import FaceFollower, check_detect_every
from affectkeras.inference.feature_windows import frame_features_for
from affectkeras.inference.tracks import IoUTracker
from affectkeras.inference.video import Frame, open_source
from affectkeras.inference.windows import TrackHistory, TrackSequences
from affectkeras.predictor import describe_inputs, frame_outputs
from affectkeras.safe_files import write_atomically

CANONICAL_OUTPUTS = ("expression", "action_units", "valence_arousal")
STAGES = ("decode", "detect", "track", "align", "model")
BOX_COLUMNS = ("box_x", "box_y", "box_w", "box_h")


@dataclass
class PendingFace:
    """A face waiting for its batch: its CSV identity and its model input."""

    row: dict[str, Any]
    inputs: Any = None
    track: int = -1


@dataclass
class Timings:
    """Seconds spent per stage (``decode``, ``detect``, ``track``: following faces between
    detections, ``align``, ``model``), frames and faces seen, detector calls (``detections``;
    ``early_detections``: those made before their turn because following failed)."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    frames: int = 0
    faces: int = 0
    detections: int = 0
    early_detections: int = 0

    def add(self, stage: str, start: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] += now - start
        return now

    def to_dict(self) -> dict[str, Any]:
        counts = {"frames": self.frames, "faces": self.faces, "detections": self.detections}
        return {**counts, "early_detections": self.early_detections, "seconds": dict(self.seconds)}


class FacePredictor:
    """Runs a predictor on frames: detection, alignment, tracking, windows and batching.

    Args:
        model: a predictor (canonical outputs; ``image`` or ``pixels`` + ``mask`` input).
        detect: find and align faces with YuNet (False: each image is a cropped face).
        detector: a ``FaceDetector`` (default: YuNet with its default settings).
        batch_size: faces (or windows) per model call.
        detect_every: run the detector on every k-th frame of a video and follow the faces
            by optical flow in between (``face_follow``); 1 (default): every frame.
    """

    def __init__(
        self,
        model: Any,
        detect: bool = True,
        detector: FaceDetector | None = None,
        batch_size: int = 32,
        detect_every: int = 1,
    ) -> None:
        detect_every = check_detect_every(detect_every)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.inputs = describe_inputs(model)
        self.outputs = [name for name in model.output_names if name in CANONICAL_OUTPUTS]
        if not self.outputs:
            raise ValueError(f"the model outputs {model.output_names}, none of {CANONICAL_OUTPUTS}")
        self.framing = face_framing(model)
        self.detector = (detector or FaceDetector()) if detect else None
        self.batch_size = int(batch_size)
        self.timings = Timings()
        self.follower = None
        if self.detector is not None:
            self.follower = FaceFollower(self.detector, detect_every, self.timings.add)
        self._tracker = IoUTracker()
        self._history = TrackHistory(self.inputs.window or 1)
        self._sequences = None
        if self.inputs.windowed and self.inputs.readout == "sequence":
            self._sequences = TrackSequences(self.inputs.window)
        # window models: the frame CNN once per crop, windows of crop ids (None: of crops)
        self.features = frame_features_for(model)
        self._sequence: str | None = None
        self._queue: list[tuple[Any, list[PendingFace]]] = []  # model inputs, faces they serve

    def crops(self, image: np.ndarray) -> list[tuple[np.ndarray | None, np.ndarray]]:
        """``(box or None, crop)`` of every face of an RGB frame, at the model's input size."""
        size = (self.inputs.width, self.inputs.height)
        if self.follower is None:
            shrink = image.shape[0] > size[1] or image.shape[1] > size[0]
            interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
            return [(None, cv2.resize(image, size, interpolation=interpolation))]
        faces = self.follower.faces(image)
        self.timings.detections = self.follower.detections
        self.timings.early_detections = self.follower.early
        start = time.perf_counter()
        out = []
        for face in faces:
            crop = self.framing.cut(image, face.box, face.landmarks, max(size))
            if size[0] != size[1]:
                crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            out.append((face.box, crop))
        self.timings.add("align", start)
        return out

    def faces_of(self, frame: Frame) -> list[PendingFace]:
        """The pending faces of one frame (one face-less row when none is found)."""
        self.timings.frames += 1
        base = {"image": frame.name, "frame": frame.frame}
        sequence = None if frame.is_still else frame.name
        if sequence is None or sequence != self._sequence:
            self._flush_sequences()
            self.reset_tracks()
        self._sequence = sequence
        found = self.crops(frame.image)
        if not found:
            return [PendingFace({**base, "face": -1})]
        whole = np.array([0.0, 0.0, frame.image.shape[1], frame.image.shape[0]])
        # without detection the whole image is the face: one track per video (window models)
        boxes = np.array([b if b is not None else whole for b, _ in found])
        tracks = self._tracker.update(boxes)
        pending = []
        ordered = sorted(zip(tracks, found, strict=True), key=lambda pair: pair[0])
        for face, (track, (box, crop)) in enumerate(ordered):
            row = {**base, "face": face}
            if box is not None:
                row.update(zip(BOX_COLUMNS, (round(float(v), 1) for v in box), strict=True))
            face_row = PendingFace(row, track=int(track))
            item = crop if self.features is None else self.features.add(crop)
            if self._sequences is not None:
                for pixels, mask, faces in self._sequences.push(track, item, face_row):
                    self._queue.append(((pixels, mask), faces))
            else:
                face_row.inputs = self._history.push(track, item) if self.inputs.windowed else crop
                self._queue.append((face_row.inputs, [face_row]))
            pending.append(face_row)
        self.timings.faces += len(pending)
        return pending

    def reset_tracks(self) -> None:
        """Forgets the tracks and the temporal history (a new video or stream)."""
        if self.follower is not None:
            self.follower.reset()
        self._tracker.reset()
        self._history.reset()

    def take_queue(self) -> list[tuple[Any, list[PendingFace]]]:
        """The queued ``(model inputs, faces)`` pairs, removed from the queue (callers that
        run the model themselves: ``inference.live``)."""
        queue, self._queue = self._queue, []
        return queue

    def _flush_sequences(self) -> None:
        if self._sequences is not None:
            self._queue.extend(((p, m), faces) for p, m, faces in self._sequences.flush())

    def run_queue(self) -> None:
        """Predicts the queued model inputs (one model call) and fills their faces' rows."""
        if not self._queue:
            return
        start = time.perf_counter()
        per_frame = self.queue_outputs(self._queue)
        faces = [face for _, served in self._queue for face in served]
        for index, face in enumerate(faces):
            face.row.update(prediction_values({k: v[index] for k, v in per_frame.items()}))
        self._queue.clear()
        self.timings.add("model", start)

    def queue_outputs(self, queue: list[tuple[Any, list[PendingFace]]]) -> dict[str, np.ndarray]:
        """The canonical outputs of queued ``(model inputs, faces)`` pairs, a row per face."""
        mask = None
        if not self.inputs.windowed:
            outputs = self.model.predict_on_batch(np.stack([inputs for inputs, _ in queue]))
        else:
            windows = np.stack([inputs[0] for inputs, _ in queue])  # crops, or crop ids
            mask = np.stack([inputs[1] for inputs, _ in queue])
            if self.features is None:
                outputs = self.model.predict_on_batch({"pixels": windows, "mask": mask})
            else:
                outputs = self.features.predict(windows, mask)
                held = self._sequences.held() if self._sequences else self._history.held()
                self.features.keep(held)
        outputs = _output_dict(self.model, outputs)
        return frame_outputs(
            {name: outputs[name] for name in self.outputs}, mask, self.inputs.readout
        )

    def predict(self, frames: Iterable[Frame]) -> list[dict[str, Any]]:
        """Rows of every face (and face-less frame) of ``frames``, in frame order."""
        rows: list[dict[str, Any]] = []
        iterator = iter(frames)
        while True:
            start = time.perf_counter()
            frame = next(iterator, None)
            self.timings.add("decode", start)
            if frame is None:
                break
            rows.extend(face.row for face in self.faces_of(frame))
            if len(self._queue) >= self.batch_size:
                self.run_queue()
        self._flush_sequences()
        self.run_queue()
        return rows


def _output_dict(model: Any, outputs: Any) -> dict[str, np.ndarray]:
    if isinstance(outputs, Mapping):
        return {str(k): np.asarray(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return {k: np.asarray(v) for k, v in zip(model.output_names, outputs, strict=True)}
    return {model.output_names[0]: np.asarray(outputs)}


def rows_to_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The predict table: SPEC.md's columns in order, empty cells as missing values."""
    table = pd.DataFrame.from_records(rows, columns=list(PREDICT_COLUMNS))
    for column in INTEGER_COLUMNS:
        table[column] = table[column].astype("Int64")
    table["image"] = table["image"].astype(str)
    table["expression_name"] = table["expression_name"].astype("string")
    return table


def predict_frames(
    model: Any,
    frames: Iterable[Frame],
    detect: bool = True,
    batch_size: int = 32,
    detector: FaceDetector | None = None,
    detect_every: int = 1,
) -> pd.DataFrame:
    """Predictions for in-memory ``Frame`` objects (see ``predict`` for files)."""
    runner = FacePredictor(model, detect, detector, batch_size, detect_every)
    table = rows_to_table(runner.predict(frames))
    table.attrs["timings"] = runner.timings.to_dict()
    return table


def predict(
    model: Any,
    path: str | Path,
    detect: bool = True,
    batch_size: int = 32,
    detector: FaceDetector | None = None,
    progress: bool = False,
    recursive: bool = False,
    detect_every: int = 1,
) -> pd.DataFrame:
    """Per-frame, per-face predictions of a model on an image, an image folder or a video.

    Args:
        model: a predictor, the path of a RUN_DIR / ``.keras`` file, or a preset name.
        path: an image, a folder of images (numbered frames form a video), or a video file.
        detect: detect and align faces (False: the images are already cropped faces).
        batch_size: faces per model call.
        detector: the ``FaceDetector`` to use (default YuNet, threshold 0.7).
        progress: show a progress bar (frames) on stderr.
        recursive: a folder's sub-folders' images too (e.g. class folders; ``image`` is then
            the path under the folder, ``happy/0001.jpg``).
        detect_every: in a video, detect faces on every k-th frame only and follow them by
            optical flow in between (``affectkeras.inference.face_follow``; faster, new faces
            appear up to k - 1 frames late); 1 (default): detect on every frame.

    Returns:
        A DataFrame with SPEC.md's predict columns; ``attrs`` holds ``fps`` (videos),
        ``num_frames`` ({video name: frames read}), ``no_face_frames``, ``timings``, and
        ``skipped`` / ``skipped_examples``: images of a folder that did not decode, skipped and
        logged once at the end with examples (a single image that does not decode is an error).
    """
    detect_every = check_detect_every(detect_every)  # before loading anything
    if not hasattr(model, "predict_on_batch"):
        from affectkeras.predictor import load_predictor

        model = load_predictor(model)
    source = open_source(path, recursive=recursive)
    runner = FacePredictor(model, detect, detector, batch_size, detect_every)
    skips = SkipReport()
    frames: Iterable[Frame] = source.frames(skips)
    if progress:
        total = source.frame_count or None
        frames = tqdm(frames, total=total, desc="predict", unit="frame", leave=False)
    table = rows_to_table(runner.predict(frames))
    if skips.total:
        skips.log(f"{path}: predict")
        if skips.total == len(source.files):
            raise ValueError(f"{path}: none of its {skips.total} images decodes")
    sequences = table[table["frame"] > 0]
    counts: dict[str, int] = defaultdict(int)
    for name, frame in zip(sequences["image"], sequences["frame"], strict=True):
        counts[name] = max(counts[name], int(frame))
    table.attrs.update(
        kind=source.kind,
        fps=source.fps,
        num_frames=dict(counts),
        no_face_frames=int((table["face"] == -1).sum()),
        outputs=list(runner.outputs),
        timings=runner.timings.to_dict(),
        skipped=skips.total,
        skipped_examples=dict(skips.examples),
    )
    return table


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Writes a predict table as CSV (SPEC.md header, empty cells for missing values)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = csv_text(table)
    write_atomically(path, text)  # a full disk: one WriteError naming path, no partial file
    return path


def csv_text(table: pd.DataFrame) -> str:
    """A predict table as CSV text (SPEC.md header, empty cells for missing values)."""
    return table.to_csv(index=False, float_format="%.6g", na_rep="")
