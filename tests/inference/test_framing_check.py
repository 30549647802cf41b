"""Pasting crops into frames (the framing check's and the framing calibration's input).

The framing check itself runs on the slow tier's trained expression model, in
test_predict_cli.py (one worker trains that model once).
"""

from __future__ import annotations

import numpy as np

from affectkeras.inference.framing_check import paste_faces


def test_pasted_faces_go_where_the_squares_say():
    crops = np.random.default_rng(0).integers(0, 256, (3, 20, 20, 3)).astype(np.uint8)
    frames, squares = paste_faces(crops, np.random.default_rng(1), frame_size=100)
    for frame, crop, (x, y, w, h) in zip(frames, crops, squares.astype(int), strict=True):
        assert w == h and 40 <= w <= 70
        assert abs(frame[y : y + h, x : x + w].mean() - crop.mean()) < 8
