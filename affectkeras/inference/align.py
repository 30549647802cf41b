"""5-point similarity alignment to the 112x112 five-landmark (ArcFace) template.

Aff-Wild2's ``cropped_aligned`` frames, and the faces ``affectkeras.data.synthetic`` draws, put
the eyes, nose tip and mouth corners on the standard five-point template of face recognition
(InsightFace/ArcFace, 112x112). ``align_face`` finds the similarity transform (rotation, uniform
scale, translation; no shear, no reflection) that maps a face's detected landmarks onto that
template in the least-squares sense (Umeyama 1991, Eqs. 40-42), and warps the frame with it.
For another output size the template is scaled by ``size / 112``.

Example:
    >>> import numpy as np
    >>> landmarks = ARCFACE_TEMPLATE * 2 + 10  # a face twice as large, shifted by 10 px
    >>> matrix = similarity_transform(landmarks, ARCFACE_TEMPLATE)
    >>> (np.round(matrix, 6) + 0.0).tolist()
    [[0.5, 0.0, -5.0], [0.0, 0.5, -5.0]]
    >>> align_face(np.zeros((300, 300, 3), np.uint8), landmarks, size=64).shape
    (64, 64, 3)
"""

from __future__ import annotations

import cv2
import numpy as np

TEMPLATE_SIZE = 112

ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],  # right eye (image left)
        [73.5318, 51.5014],  # left eye
        [56.0252, 71.7366],  # nose tip
        [41.5493, 92.3655],  # right mouth corner
        [70.7299, 92.2041],  # left mouth corner
    ],
    np.float64,
)
"""(x, y) of the five landmarks in a 112x112 aligned face (InsightFace's ArcFace template)."""


def template(size: int = TEMPLATE_SIZE) -> np.ndarray:
    """The five-point template for a ``size`` x ``size`` crop, float64 [5, 2]."""
    if size < 8:
        raise ValueError(f"aligned faces must be at least 8 px, got {size}")
    return ARCFACE_TEMPLATE * (size / TEMPLATE_SIZE)


def similarity_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform mapping ``source`` points onto ``target`` (Umeyama).

    Args:
        source: [N, 2] points (N >= 2, not all equal).
        target: [N, 2] points.

    Returns:
        float64 [2, 3] matrix ``M`` with ``target ~ source @ M[:, :2].T + M[:, 2]``, where
        ``M[:, :2] = c R`` (R a rotation, c > 0).
    """
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 2:
        raise ValueError(f"need two [N, 2] point sets, got {source.shape} and {target.shape}")
    mean_source, mean_target = source.mean(axis=0), target.mean(axis=0)
    centred_source, centred_target = source - mean_source, target - mean_target
    variance = (centred_source**2).sum() / len(source)  # sigma_x^2, Eq. 36
    if variance < 1e-12:
        raise ValueError("the source points all coincide: no similarity transform")
    covariance = centred_target.T @ centred_source / len(source)  # Sigma_xy, Eq. 38
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:  # Eq. 39: no reflection
        sign[-1] = -1.0
    rotation = u @ np.diag(sign) @ vt  # Eq. 40
    scale = (singular * sign).sum() / variance  # Eq. 42
    translation = mean_target - scale * rotation @ mean_source  # Eq. 41
    return np.concatenate([scale * rotation, translation[:, None]], axis=1)


def framed_template(
    size: int = TEMPLATE_SIZE, scale: float = 1.0, shift: float = 0.0
) -> np.ndarray:
    """The template for a crop ``scale`` times as wide as the template's, its centre moved
    down by ``shift`` x the side: ``c + (T - c) / scale - (0, shift * size)``, c the centre."""
    centre = size / 2.0
    points = centre + (template(size) - centre) / float(scale)
    points[:, 1] -= float(shift) * size
    return points


def alignment_matrix(
    landmarks: np.ndarray, size: int = TEMPLATE_SIZE, scale: float = 1.0, shift: float = 0.0
) -> np.ndarray:
    """[2, 3] matrix mapping frame pixels to a ``size`` px crop, landmarks onto the template
    (``framed_template`` with ``scale`` and ``shift``)."""
    landmarks = np.asarray(landmarks, np.float64)
    if landmarks.shape != (5, 2):
        raise ValueError(f"align needs five (x, y) landmarks [5, 2], got {landmarks.shape}")
    return similarity_transform(landmarks, framed_template(size, scale, shift))


def align_face(
    image: np.ndarray,
    landmarks: np.ndarray,
    size: int = TEMPLATE_SIZE,
    scale: float = 1.0,
    shift: float = 0.0,
) -> np.ndarray:
    """The ``size`` x ``size`` aligned crop of the face with these landmarks.

    Args:
        image: uint8 [H, W, 3] frame (any channel order; it is kept).
        landmarks: [5, 2] right eye, left eye, nose tip, right and left mouth corners.
        size: output side in pixels (the template is scaled by ``size / 112``).
        scale, shift: a wider crop (``scale`` > 1) or one moved down (``shift`` > 0, a
            fraction of the side) than the template's (``affectkeras.framing``).

    Returns:
        uint8 [size, size, 3]; parts outside the frame repeat its border pixels.
    """
    matrix = alignment_matrix(landmarks, size, scale, shift)
    return cv2.warpAffine(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
