"""Frames one at a time, from a webcam or a stream: per-face predictions with track ids.

:class:`LivePredictor` is ``predict``'s chain (detection, the model's face framing, the IoU
tracker, windows for temporal models) fed one frame at a time and answering at once: each call
returns the faces of that frame, each with a ``track`` id that stays the same while the face
is followed from frame to frame. A webcam loop is a few lines:

.. code-block:: python

    import cv2
    from affectkeras.inference import LivePredictor

    live = LivePredictor()                      # the default preset; or a RUN_DIR / preset name
    capture = cv2.VideoCapture(0)
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        for face in live(frame, bgr=True):       # OpenCV frames are BGR
            x, y, w, h = (int(v) for v in face["box"])
            cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 0), 2)
            cv2.putText(frame, f"{face['track']}: {face['expression_name']}", (x, y - 4),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 0), 2)
        cv2.imshow("affect", frame)
        if cv2.waitKey(1) == 27:  # Esc
            break

``LivePredictor(detect_every=3)`` runs the detector on every third frame only and follows the
faces by optical flow in between (``affectkeras.inference.face_follow``): a webcam keeps its
frame rate on a small CPU; a new face appears up to two frames late.

Predictors whose windows are read per step (``sequence`` read-out: seed 002's GRU) answer only
when a whole sequence is complete, so they are refused here; image predictors and ``last``
window models (seed 004) answer every frame.

Example:
    >>> import numpy as np, keras
    >>> from affectkeras.data.synthetic import composite
    >>> from affectkeras.models import build_task_model, get_backbone
    >>> from affectkeras.output_spec import OutputSpec
    >>> model = build_task_model(get_backbone("tiny", input_shape=(32, 32, 3)),
    ...                          OutputSpec.create("expr,au", 7))
    >>> live = LivePredictor(model)
    >>> frame, _ = composite.synthetic_frame(np.random.default_rng(7), faces=2)
    >>> faces = live(frame)
    >>> [face["track"] for face in faces], [face["track"] for face in live(frame)]
    ([0, 1], [0, 1])
    >>> sorted(faces[0])[:4], faces[0]["action_units"].shape
    (['action_units', 'box', 'expression', 'expression_name'], (12,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from affectkeras import labels
from affectkeras.inference.detect import FaceDetector
from affectkeras.inference.face_follow import check_detect_every
from affectkeras.inference.predict import BOX_COLUMNS, FacePredictor
from affectkeras.inference.video import Frame


class LivePredictor:
    """Per-face predictions of one frame at a time (see the module doc).

    Args:
        model: a predictor, a RUN_DIR / ``.keras`` path or a preset name; None = the default
            preset.
        detect: find faces (False: every frame is one already cropped face, track 0).
        detector: a ``FaceDetector`` (default YuNet, threshold 0.7).
        detect_every: detect on every k-th frame only and follow the faces by optical flow
            in between (``affectkeras.inference.face_follow``); 1 (default): every frame.

    Raises:
        ValueError: a ``sequence`` read-out window predictor (see the module doc).
    """

    def __init__(
        self,
        model: Any = None,
        detect: bool = True,
        detector: FaceDetector | None = None,
        detect_every: int = 1,
    ) -> None:
        check_detect_every(detect_every)
        if not hasattr(model, "predict_on_batch"):
            from affectkeras.predictor import load_predictor
            from affectkeras.presets import DEFAULT_PRESET

            model = load_predictor(model or DEFAULT_PRESET)
        self._runner = FacePredictor(model, detect, detector, 1_000_000, detect_every)
        if self._runner.inputs.windowed and self._runner.inputs.readout == "sequence":
            raise ValueError(
                "this predictor reads whole sequences (sequence read-out) and answers only when "
                "one is complete; use affectkeras.inference.predict on the recorded video"
            )
        self.frames_seen = 0

    @property
    def model(self) -> Any:
        return self._runner.model

    def reset(self) -> None:
        """Forgets the tracks and the temporal history (a new stream or a cut)."""
        self._runner.reset_tracks()

    def __call__(self, frame: np.ndarray, bgr: bool = False) -> list[dict[str, Any]]:
        """The faces of one frame.

        Args:
            frame: uint8 [H, W, 3] (RGB, or BGR with ``bgr`` as OpenCV reads them); a grey
                [H, W] frame is taken as grey on all channels.
            bgr: the frame's channels are B, G, R.

        Returns:
            One dict per face, left to right among new faces: ``track`` (int, stable while
            the face is followed), ``box`` (x, y, w, h; the whole frame without detection),
            and the model's outputs: ``expression`` (probabilities), ``expression_name``,
            ``action_units`` (12 probabilities, NaN for untrained AUs), ``valence_arousal``,
            each present when the model predicts it.
        """
        image = np.asarray(frame)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=-1)
        if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"a frame is uint8 [H, W, 3] (or [H, W]); got {image.dtype} {image.shape}"
            )
        if bgr:
            image = image[..., ::-1]
        self.frames_seen += 1
        # one frame of a never-ending video: tracks and windows carry over between calls
        image = np.ascontiguousarray(image)
        pending = self._runner.faces_of(Frame("live", self.frames_seen, image))
        whole = (0.0, 0.0, float(image.shape[1]), float(image.shape[0]))
        return self._run(pending, whole)

    def _run(self, pending: list, whole: tuple) -> list[dict[str, Any]]:
        runner = self._runner
        faces = [face for face in pending if face.row.get("face", -1) >= 0]
        queue = runner.take_queue()
        if not faces:
            return []
        outputs = runner.queue_outputs(queue)
        result = []
        for index, face in enumerate(faces):
            item: dict[str, Any] = {"track": face.track}
            box = [face.row.get(column) for column in BOX_COLUMNS]
            item["box"] = whole if box[0] is None else tuple(float(v) for v in box)
            for name in runner.outputs:
                item[name] = np.asarray(outputs[name][index], np.float32)
            if "expression" in item:
                names = labels.expression_names(item["expression"].shape[-1])
                item["expression_name"] = names[int(np.argmax(item["expression"]))]
            result.append(item)
        return result
