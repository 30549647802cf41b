"""Face detection every k-th frame, the faces followed by optical flow in between.

YuNet is most of ``predict``'s time with a small model (a 640x480 frame: 35-50 ms on one core).
:class:`FaceFollower` runs it on every ``detect_every``-th frame only and, on the frames in
between, moves each face's box and five landmarks with the motion of points on that face:

1. On a detection frame, each face gets up to ``MAX_POINTS`` corners (Shi-Tomasi,
   ``cv2.goodFeaturesToTrack``) inside the middle of its box, plus its five landmarks.
2. On the next frame the points move by pyramidal Lucas-Kanade optical flow (Bouguet's
   implementation, ``cv2.calcOpticalFlowPyrLK``) on the grey frame, and back again: a point
   passes when both directions converge, it returns to within ``MAX_RETURN_ERROR`` px of where
   it started (the forward-backward check of Kalal et al. 2010, "Forward-Backward Error") and
   its patch matches (mean absolute difference at most ``MAX_PATCH_ERROR`` grey levels).
3. One similarity transform (rotation, uniform scale, shift) is fitted to the passed points
   (least median of squares, ``cv2.estimateAffinePartial2D``) and moves the landmarks; the box
   keeps its axis-aligned shape, its centre moved and its sides scaled by the fit.

A face whose points fail (fewer than ``MIN_POINTS`` pass, or less than ``MIN_PASSED`` of them),
whose fit is implausible (a scale step outside ``MAX_SCALE_STEP``) or whose box leaves the frame
(more than ``MAX_OUTSIDE`` of it) makes the frame a detection frame at once, and the count of k
restarts there. A face that was not found at a detection frame (a new face, or one after a
face-less stretch) appears at the next detection frame, up to k - 1 frames late.
``detect_every=1`` calls the detector on every frame and nothing else: the same faces as without
a follower. Flow runs at the detector's resolution (``FaceDetector.detection_size``), so a 1080p
frame costs what a 640 px one does.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.synthetic import composite
    >>> from affectkeras.inference.detect import FaceDetector
    >>> frame, _ = composite.synthetic_frame(np.random.default_rng(7), faces=2)
    >>> follower = FaceFollower(FaceDetector(), detect_every=3)
    >>> moved = np.roll(frame, 4, axis=1)  # everything 4 px to the right
    >>> first, second = follower.faces(frame), follower.faces(moved)
    >>> follower.detections, [round(float(b.box[0] - a.box[0])) for a, b in zip(first, second)]
    (1, [4, 4])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from affectkeras.inference.detect import Face, FaceDetector

MAX_POINTS = 30
"""Corners seeded per face (besides its five landmarks)."""

FLOW_WINDOW = (15, 15)
"""Lucas-Kanade window, px at the detection resolution."""

PYRAMID_LEVELS = 3
"""Pyramid levels above the frame: motions of up to ~60 px per frame are followed."""

FLOW_MARGIN = 64
"""Px around the faces' points within which flow is computed (beyond the ~60 px reach)."""

MAX_RETURN_ERROR = 2.0
"""Forward-backward error (px) above which a point fails."""

MAX_PATCH_ERROR = 30.0
"""Mean absolute grey-level difference of a point's window above which it fails."""

MIN_POINTS = 5
"""Fewest passing points a face may keep."""

MIN_PASSED = 0.5
"""Least fraction of a face's points that must pass on a frame."""

MAX_SCALE_STEP = 1.25
"""Largest size change from one frame to the next (either way) believed."""

MAX_OUTSIDE = 0.25
"""Largest fraction of a followed box that may lie outside the frame."""


def check_detect_every(detect_every: int) -> int:
    """``detect_every`` as an int, or one clear ``ValueError`` (it must be a whole number >= 1)."""
    if isinstance(detect_every, bool) or int(detect_every) != detect_every or detect_every < 1:
        raise ValueError(
            f"detect_every must be a whole number of frames, at least 1 (1: detect on every "
            f"frame), got {detect_every!r}"
        )
    return int(detect_every)


@dataclass
class FollowedFace:
    """A face being followed: its last ``Face`` and its points at the detection resolution."""

    face: Face
    points: np.ndarray  # float32 [N, 1, 2]


def _no_timer(stage: str, start: float) -> float:
    return time.perf_counter()


class FaceFollower:
    """The faces of each frame of a video: detected every ``detect_every`` frames, followed between.

    Args:
        detector: the ``FaceDetector`` to run on detection frames.
        detect_every: k; 1 = detect on every frame (then nothing is followed).
        timer: called as ``timer(stage, start)`` after detecting (``"detect"``) and after
            following (``"track"``), returning the time now (``predict``'s ``Timings.add``).

    Attributes:
        detections: detector calls so far; ``early``: those made before their turn, because
            following failed. ``reset`` keeps both counts.
    """

    def __init__(
        self,
        detector: FaceDetector,
        detect_every: int = 1,
        timer: Callable[[str, float], float] | None = None,
    ) -> None:
        self.detector = detector
        self.detect_every = check_detect_every(detect_every)
        self._timer = timer or _no_timer
        self.detections = 0
        self.early = 0
        self._followed: list[FollowedFace] = []
        self._grey: np.ndarray | None = None
        self._started = False
        self._since_detection = 0

    def reset(self) -> None:
        """Forgets the faces (a new video or still): the next frame is a detection frame."""
        self._followed = []
        self._grey = None
        self._started = False
        self._since_detection = 0

    def faces(self, image: np.ndarray) -> list[Face]:
        """The faces of the next RGB uint8 frame [H, W, 3] of the video."""
        start = time.perf_counter()
        if self.detect_every == 1:
            faces = self.detector.detect(image)
            self.detections += 1
            self._timer("detect", start)
            return faces
        due = not self._started or self._since_detection + 1 >= self.detect_every
        if not due and not self._followed:  # nothing to follow until the next detection
            self._since_detection += 1
            return []
        grey, moved = None, None
        if not due:
            grey = self._grey_frame(image)
            moved = self._follow(grey, image.shape)
            start = self._timer("track", start)
        if moved is None:
            self.early += not due
            faces = self.detector.detect(image)
            self.detections += 1
            self._started, self._since_detection = True, 0
            start = self._timer("detect", start)
            if faces and grey is None:
                grey = self._grey_frame(image)
            scale = self._scale(image.shape)
            moved = [FollowedFace(face, _seed_points(grey, face, scale)) for face in faces]
            self._timer("track", start)
        else:
            self._since_detection += 1
        self._followed, self._grey = moved, grey
        return [followed.face for followed in moved]

    def _scale(self, shape: tuple[int, ...]) -> np.ndarray:
        """Detection-resolution pixels per frame pixel, (x, y)."""
        width, height = self.detector.detection_size(shape[0], shape[1])
        return np.array([width / shape[1], height / shape[0]], np.float32)

    def _grey_frame(self, image: np.ndarray) -> np.ndarray:
        size = self.detector.detection_size(image.shape[0], image.shape[1])
        if size != (image.shape[1], image.shape[0]):
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)

    def _follow(self, grey: np.ndarray, shape: tuple[int, ...]) -> list[FollowedFace] | None:
        """The faces moved to this frame, or None when one of them cannot be followed."""
        if not self._followed:
            return []
        if self._grey is None or self._grey.shape != grey.shape:  # a stream changed its size
            return None
        points = np.concatenate([followed.points for followed in self._followed])
        # flow within reach of the points only: the pyramids cost what their area does
        corner = np.maximum(np.floor(points.min(axis=(0, 1)) - FLOW_MARGIN), 0).astype(int)
        far = np.ceil(points.max(axis=(0, 1)) + FLOW_MARGIN).astype(int)
        before = self._grey[corner[1] : far[1], corner[0] : far[0]]
        after = grey[corner[1] : far[1], corner[0] : far[0]]
        offset = corner.astype(np.float32)
        options = {"winSize": FLOW_WINDOW, "maxLevel": PYRAMID_LEVELS}
        inside = points - offset
        ahead, status, error = cv2.calcOpticalFlowPyrLK(before, after, inside, None, **options)
        back, status_back, _ = cv2.calcOpticalFlowPyrLK(after, before, ahead, None, **options)
        ahead = ahead + offset
        back = back + offset
        passed = (
            (status[:, 0] == 1)
            & (status_back[:, 0] == 1)
            & (np.linalg.norm((back - points)[:, 0], axis=1) <= MAX_RETURN_ERROR)
            & (error[:, 0] <= MAX_PATCH_ERROR)
        )
        scale = self._scale(shape)
        moved, first = [], 0
        for followed in self._followed:
            count = len(followed.points)
            keep = passed[first : first + count]
            face = _moved_face(
                followed.face,
                points[first : first + count][keep] / scale,
                ahead[first : first + count][keep] / scale,
                count,
                shape,
            )
            if face is None:
                return None
            moved.append(FollowedFace(face, ahead[first : first + count][keep]))
            first += count
        return moved


def _seed_points(grey: np.ndarray, face: Face, scale: np.ndarray) -> np.ndarray:
    """Corners in the middle 60 % of the face's box and its landmarks, float32 [N, 1, 2], at
    the detection resolution."""
    x, y, w, h = (face.box * np.tile(scale, 2)).tolist()
    left, top = int(max(0.0, x + 0.2 * w)), int(max(0.0, y + 0.2 * h))
    right = int(min(grey.shape[1], x + 0.8 * w))
    bottom = int(min(grey.shape[0], y + 0.8 * h))
    landmarks = (face.landmarks * scale).astype(np.float32).reshape(-1, 1, 2)
    if right - left < 8 or bottom - top < 8:
        return landmarks
    spacing = max(2.0, min(w, h) / 12)
    corners = cv2.goodFeaturesToTrack(grey[top:bottom, left:right], MAX_POINTS, 0.01, spacing)
    if corners is None:
        return landmarks
    corners = corners.astype(np.float32) + np.array([left, top], np.float32)
    return np.concatenate([landmarks, corners.reshape(-1, 1, 2)])


def _moved_face(
    face: Face, before: np.ndarray, after: np.ndarray, seeded: int, shape: tuple[int, ...]
) -> Face | None:
    """``face`` moved by the similarity fitted to its passing points (frame pixels), or None."""
    if len(before) < max(MIN_POINTS, MIN_PASSED * seeded):
        return None
    matrix, _ = cv2.estimateAffinePartial2D(before, after, method=cv2.LMEDS)
    if matrix is None:
        return None
    step = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    if not 1 / MAX_SCALE_STEP <= step <= MAX_SCALE_STEP:
        return None
    landmarks = face.landmarks @ matrix[:, :2].T + matrix[:, 2]
    x, y, w, h = (float(v) for v in face.box)
    centre = matrix[:, :2] @ np.array([x + w / 2, y + h / 2]) + matrix[:, 2]
    w, h = w * step, h * step
    box = np.array([centre[0] - w / 2, centre[1] - h / 2, w, h], np.float32)
    if _outside(box, shape) > MAX_OUTSIDE:
        return None
    return Face(box=box, landmarks=landmarks.astype(np.float32), score=face.score)


def _outside(box: np.ndarray, shape: tuple[int, ...]) -> float:
    """Fraction of a box ``(x, y, w, h)`` lying outside a frame of this shape."""
    x, y, w, h = (float(v) for v in box)
    inside_w = max(0.0, min(x + w, shape[1]) - max(x, 0.0))
    inside_h = max(0.0, min(y + h, shape[0]) - max(y, 0.0))
    return 1.0 - inside_w * inside_h / max(w * h, 1e-9)
