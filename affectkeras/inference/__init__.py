"""From images and videos to per-frame, per-face affect predictions.

- ``detect``: YuNet face detection (vendored model), all faces per frame with 5 landmarks.
- ``face_follow``: detection on every k-th frame, the faces followed by optical flow between.
- ``align``: 5-point similarity alignment to the 112x112 ArcFace template.
- ``video``: images, image folders and videos read one frame at a time.
- ``tracks``: an IoU tracker linking faces over frames (for temporal predictors).
- ``live``: ``LivePredictor``, frames one at a time (a webcam loop) -> faces with track ids.
- ``predict``: the whole chain, batched; SPEC.md's CSV table (``columns``); ABAW files
  (``submission``).

Importing this package imports OpenCV and (through the ABAW writers of ``affectkeras.metrics``)
Keras; not TensorFlow.
"""

from affectkeras.inference.align import ARCFACE_TEMPLATE, align_face, similarity_transform
from affectkeras.inference.columns import PREDICT_COLUMNS
from affectkeras.inference.detect import Face, FaceDetector
from affectkeras.inference.live import LivePredictor
from affectkeras.inference.predict import FacePredictor, predict, predict_frames, write_csv
from affectkeras.inference.submission import write_abaw
from affectkeras.inference.tracks import IoUTracker, box_iou
from affectkeras.inference.video import Frame, open_source

__all__ = [
    "ARCFACE_TEMPLATE",
    "PREDICT_COLUMNS",
    "Face",
    "FaceDetector",
    "FacePredictor",
    "Frame",
    "IoUTracker",
    "LivePredictor",
    "align_face",
    "box_iou",
    "open_source",
    "predict",
    "predict_frames",
    "similarity_transform",
    "write_abaw",
    "write_csv",
]
