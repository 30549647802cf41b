"""Face detection with YuNet (``cv2.FaceDetectorYN``): every face of a frame, with 5 landmarks.

The detector is the OpenCV Zoo's YuNet, vendored as package data (``affectkeras/assets``, MIT
licence; see the README there). Frames larger than ``max_side`` are shrunk before detection, so
a 1080p frame costs what a 640 px one does; boxes and landmarks are scaled back to the frame's
own pixels. The score threshold defaults to 0.7: the procedurally drawn faces of
``affectkeras.data.synthetic`` are all found at 0.5-0.8 but only 84 % at 0.9.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.synthetic import composite
    >>> frame, boxes = composite.synthetic_frame(np.random.default_rng(7), faces=2)
    >>> faces = FaceDetector().detect(frame)
    >>> len(faces), faces[0].landmarks.shape
    (2, (5, 2))
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

DEFAULT_SCORE_THRESHOLD = 0.7
DEFAULT_NMS_THRESHOLD = 0.3
DEFAULT_MAX_SIDE = 640
DEFAULT_TOP_K = 50


def yunet_model_path() -> Path:
    """The vendored ``face_detection_yunet.onnx`` (package data)."""
    return Path(str(resources.files("affectkeras") / "assets" / "face_detection_yunet.onnx"))


@dataclass(frozen=True)
class Face:
    """One detected face, in the pixels of the frame it was found in.

    Attributes:
        box: float32 [4] ``(x, y, w, h)``.
        landmarks: float32 [5, 2] ``(x, y)`` of the right eye, left eye, nose tip, right and
            left mouth corners (the subject's right is on the image's left, as in the
            112x112 five-point template of ``affectkeras.inference.align``).
        score: detection confidence in [0, 1].
    """

    box: np.ndarray
    landmarks: np.ndarray
    score: float


class FaceDetector:
    """YuNet on RGB frames of any size, at a reduced resolution for speed.

    Args:
        score_threshold: faces scoring below are dropped (default 0.7).
        nms_threshold: IoU above which overlapping detections are merged.
        max_side: frames whose longer side exceeds this are resized down to it before
            detection (None: detect at full resolution).
        top_k: most faces kept per frame.
        model_path: an alternative YuNet ``.onnx`` (default: the vendored one).
    """

    def __init__(
        self,
        score_threshold: float = DEFAULT_SCORE_THRESHOLD,
        nms_threshold: float = DEFAULT_NMS_THRESHOLD,
        max_side: int | None = DEFAULT_MAX_SIDE,
        top_k: int = DEFAULT_TOP_K,
        model_path: str | Path | None = None,
    ) -> None:
        if not 0.0 <= score_threshold <= 1.0:
            raise ValueError(f"score_threshold must be in [0, 1], got {score_threshold}")
        if max_side is not None and max_side < 32:
            raise ValueError(f"max_side must be at least 32 pixels, got {max_side}")
        self.score_threshold = float(score_threshold)
        self.nms_threshold = float(nms_threshold)
        self.max_side = max_side
        self.top_k = int(top_k)
        self.model_path = Path(model_path) if model_path else yunet_model_path()
        if not self.model_path.is_file():
            raise ValueError(f"{self.model_path}: no such YuNet model file")
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # a harmless DNN warning
        try:
            self._detector = cv2.FaceDetectorYN.create(
                str(self.model_path),
                "",
                (320, 320),
                self.score_threshold,
                self.nms_threshold,
                top_k,
            )
        finally:
            cv2.utils.logging.setLogLevel(level)
        self._size: tuple[int, int] = (320, 320)

    def detection_size(self, height: int, width: int) -> tuple[int, int]:
        """(width, height) the detector runs at for a frame of this size."""
        longest = max(height, width)
        if self.max_side is None or longest <= self.max_side:
            return width, height
        scale = self.max_side / longest
        return max(1, round(width * scale)), max(1, round(height * scale))

    def detect(self, frame: np.ndarray) -> list[Face]:
        """All faces of an RGB uint8 frame [H, W, 3], most confident first.

        Raises:
            ValueError: when ``frame`` is not an [H, W, 3] image.
        """
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"detect expects an RGB image [H, W, 3], got shape {frame.shape}")
        height, width = frame.shape[:2]
        size = self.detection_size(height, width)
        small = frame
        if size != (width, height):
            small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        if size != self._size:
            self._detector.setInputSize(size)
            self._size = size
        _, rows = self._detector.detect(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        if rows is None:
            return []
        scale = np.array([width / size[0], height / size[1]], np.float32)
        faces = []
        for row in rows[np.argsort(-rows[:, 14])]:
            box = np.concatenate([row[0:2] * scale, row[2:4] * scale]).astype(np.float32)
            landmarks = (row[4:14].reshape(5, 2) * scale).astype(np.float32)
            faces.append(Face(box=box, landmarks=landmarks, score=float(row[14])))
        return faces
