"""5-point similarity alignment: Umeyama against an independent least-squares solution."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from affectkeras.data.synthetic import Identity, Scene, render_face
from affectkeras.inference.align import (
    ARCFACE_TEMPLATE,
    align_face,
    alignment_matrix,
    similarity_transform,
    template,
)
from affectkeras.inference.detect import FaceDetector


def least_squares_similarity(source, target):
    """Reference: x' = a x - b y + tx, y' = b x + a y + ty solved as a linear least squares."""
    rows, values = [], []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows += [[x, -y, 1, 0], [y, x, 0, 1]]
        values += [u, v]
    a, b, tx, ty = np.linalg.lstsq(np.array(rows), np.array(values), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty]])


def rotation(degrees: float, scale: float, shift) -> np.ndarray:
    angle = np.deg2rad(degrees)
    linear = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return np.concatenate([linear, np.asarray(shift, float)[:, None]], axis=1)


def apply(matrix, points):
    return points @ matrix[:, :2].T + matrix[:, 2]


@pytest.mark.parametrize("degrees, scale", [(0.0, 1.0), (25.0, 0.4), (-170.0, 3.0)])
def test_an_exact_similarity_is_recovered(degrees, scale):
    truth = rotation(degrees, scale, (13.0, -7.5))
    source = ARCFACE_TEMPLATE * 1.7 + 20
    np.testing.assert_allclose(similarity_transform(source, apply(truth, source)), truth, atol=1e-9)


def test_noisy_landmarks_match_the_least_squares_reference_and_opencv():
    rng = np.random.default_rng(0)
    for _ in range(20):
        source = rng.uniform(0, 400, (5, 2))
        target = apply(rotation(rng.uniform(-60, 60), rng.uniform(0.2, 2), (5, 9)), source)
        target += rng.normal(0, 3, target.shape)
        ours = similarity_transform(source, target)
        np.testing.assert_allclose(ours, least_squares_similarity(source, target), atol=1e-8)
        # OpenCV's refined estimate (all points inliers at this threshold) agrees
        opencv, _ = cv2.estimateAffinePartial2D(
            source, target, method=cv2.RANSAC, ransacReprojThreshold=100.0
        )
        np.testing.assert_allclose(ours, opencv, atol=1e-3)


def test_a_reflection_is_never_returned():
    source = ARCFACE_TEMPLATE
    mirrored = source * [-1, 1]  # the best map would be a mirror image; a similarity cannot
    matrix = similarity_transform(source, mirrored)
    assert np.linalg.det(matrix[:, :2]) > 0


def test_bad_points_are_refused():
    with pytest.raises(ValueError, match=r"\[5, 2\]"):
        alignment_matrix(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="coincide"):
        similarity_transform(np.ones((5, 2)), ARCFACE_TEMPLATE)
    with pytest.raises(ValueError, match="at least 8"):
        template(4)


def test_the_template_scales_with_the_crop_size():
    np.testing.assert_allclose(template(56), ARCFACE_TEMPLATE / 2)
    landmarks = ARCFACE_TEMPLATE * 3 + 100
    np.testing.assert_allclose(apply(alignment_matrix(landmarks, 56), landmarks), template(56))


def test_a_rotated_synthetic_face_is_detected_and_aligned_back_to_its_drawing():
    # The generator draws faces on the template; rotate, scale and move one inside a larger
    # frame, detect it, align it: the crop must look like the drawing again.
    rng = np.random.default_rng(3)
    face = render_face(Identity.sample(rng), np.zeros(12), Scene.sample(rng, wild=False))
    frame = np.full((300, 400, 3), 90, np.uint8)
    warp = rotation(12.0, 1.3, (150.0, 60.0))
    cv2.warpAffine(face, warp, (400, 300), frame, borderMode=cv2.BORDER_TRANSPARENT)
    faces = FaceDetector().detect(frame)
    assert len(faces) == 1
    aligned = align_face(frame, faces[0].landmarks, 112)
    # compare the inner face (the border holds the frame's background, not the drawing's)
    inner = (slice(24, 104), slice(24, 88))
    error = np.abs(aligned[inner].astype(float) - face[inner].astype(float)).mean()
    unaligned = cv2.resize(frame[60:260, 150:350], (112, 112))[inner].astype(float)
    assert error < 12.0, error
    assert error < 0.5 * np.abs(unaligned - face[inner].astype(float)).mean()
