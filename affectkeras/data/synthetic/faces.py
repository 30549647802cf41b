"""Procedurally drawn faces whose pixels depend on 12 action-unit intensities (OpenCV).

Each AU moves one drawn feature (../shared/SPEC.md, "Embedded synthetic data"):

======  =====================================================================================
AU1     inner brow ends up, central forehead lines
AU2     outer brow ends up, lateral forehead lines
AU4     brows down and together, vertical frown lines between them
AU6     cheeks up and rounder, lower lids pushed up, crow's-feet lines
AU7     lids tightened: both lids close in, lid lines darker and straighter
AU10    upper lip raised over the upper teeth, nasolabial folds, nostrils up
AU12    lip corners up and out (smile curve)
AU15    lip corners down
AU23    lips tightened: mouth narrower, lips thinner and darker
AU24    lips pressed: lips flattened to a line, chin boss and mentolabial crease
AU25    lips parted (a slit showing the teeth)
AU26    jaw dropped: chin and lower lip down, open mouth
======  =====================================================================================

The neutral features sit on the 112x112 five-point template that face aligners use (eyes near
(38, 52) and (74, 52), nose (56, 72), mouth corners (42, 92) and (71, 92)), so a detected and
aligned synthetic face lands where the generator drew it. Drawing is done at the output size
with sub-pixel anti-aliased primitives, then one affine warp applies roll, shift and scale.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.synthetic import faces
    >>> rng = np.random.default_rng(0)
    >>> identity = faces.Identity.sample(rng)
    >>> image = faces.render_face(identity, faces.prototype_intensities("happiness"))
    >>> image.shape, image.dtype
    ((112, 112, 3), dtype('uint8'))
"""

from __future__ import annotations

import cv2
import numpy as np

from affectkeras import labels
from affectkeras.data.synthetic.appearance import Identity, Scene, finish

AU_INDEX: dict[str, int] = {name: i for i, name in enumerate(labels.ACTION_UNITS)}
_SHIFT = 4  # cv2 fixed-point bits: coordinates are drawn with 1/16 px precision
_ONE = 1 << _SHIFT


def prototype_intensities(*expressions: str, intensity: float = 1.0) -> np.ndarray:
    """AU intensities [12] of the union of the given expressions' prototype AUs (EMFACS).

    Example:
        >>> prototype_intensities("happiness").nonzero()[0].tolist()  # AU6, AU12
        [3, 6]
    """
    values = np.zeros(len(labels.ACTION_UNITS), np.float32)
    for expression in expressions:
        if expression not in labels.PROTOTYPE_AUS:
            raise ValueError(
                f"No AU prototype for expression {expression!r}; "
                f"known: {list(labels.PROTOTYPE_AUS)}"
            )
        for au in labels.PROTOTYPE_AUS[expression]:
            values[AU_INDEX[au]] = intensity
    return values


def _mix(colour, factor: float, towards=(0.0, 0.0, 0.0)) -> tuple[float, float, float]:
    """``colour`` moved ``factor`` of the way to ``towards`` (RGB floats)."""
    return (
        colour[0] + (towards[0] - colour[0]) * factor,
        colour[1] + (towards[1] - colour[1]) * factor,
        colour[2] + (towards[2] - colour[2]) * factor,
    )


class _Canvas:
    """Fixed-point drawing helpers in fractions of the image size."""

    def __init__(self, size: int, background) -> None:
        self.size = size
        self.image = np.empty((size, size, 3), np.uint8)
        cv2.rectangle(self.image, (0, 0), (size, size), tuple(background), -1)
        self.k = size * _ONE

    def pt(self, x: float, y: float) -> tuple[int, int]:
        return round(x * self.k), round(y * self.k)

    def pts(self, points) -> np.ndarray:
        return (np.array(points) * self.k + 0.5).astype(np.int32)

    def ellipse(self, cx, cy, ax, ay, colour, angle=0.0, start=0, end=360, thickness=-1):
        axes = (max(1, round(ax * self.k)), max(1, round(ay * self.k)))
        cv2.ellipse(
            self.image,
            self.pt(cx, cy),
            axes,
            angle,
            start,
            end,
            colour,
            thickness if thickness < 0 else max(1, round(thickness * self.size)),
            cv2.LINE_AA,
            _SHIFT,
        )

    def poly(self, points, colour) -> None:
        cv2.fillPoly(self.image, [self.pts(points)], colour, cv2.LINE_AA, _SHIFT)

    def line(self, points, colour, thickness: float) -> None:
        width = max(1, round(thickness * self.size))
        cv2.polylines(self.image, [self.pts(points)], False, colour, width, cv2.LINE_AA, _SHIFT)


_ARC = {n: [(i / (n - 1), 4 * (i / (n - 1)) * (1 - i / (n - 1))) for i in range(n)] for n in (5, 9)}


def _curve(x0, y0, x1, y1, bend: float, n: int = 5) -> list[tuple[float, float]]:
    """``n`` points of a quadratic arc from (x0, y0) to (x1, y1) whose middle is ``bend`` lower."""
    dx, dy = x1 - x0, y1 - y0
    return [(x0 + dx * t, y0 + dy * t + bend * b) for t, b in _ARC[n]]


def render_face(
    identity: Identity,
    intensities: np.ndarray,
    scene: Scene | None = None,
    size: int = 112,
) -> np.ndarray:
    """Draws one face.

    Args:
        identity: the person (``Identity.sample``).
        intensities: float [12], AU intensities in [0, 1] in ``labels.ACTION_UNITS`` order.
        scene: pose, light, background, occlusion and noise (default: frontal studio shot).
        size: output height and width in pixels.

    Returns:
        uint8 RGB image [size, size, 3].
    """
    au = np.clip(np.asarray(intensities, np.float64), 0.0, 1.0)
    if au.shape != (len(labels.ACTION_UNITS),):
        raise ValueError(f"intensities must have shape (12,), got {au.shape}")
    scene = scene or Scene()
    a = dict(zip(labels.ACTION_UNITS, au, strict=True))
    c = _Canvas(size, scene.background)
    idn = identity
    skin = idn.skin
    cx = 0.5
    yaw = scene.yaw * 0.05  # how far features slide sideways
    shade = _mix(skin, 0.22)

    # Backdrop, shoulders, neck, hair behind, ears.
    c.ellipse(0.15, 0.2, 0.35, 0.25, scene.background2)
    c.ellipse(cx, 1.18, 0.55, 0.28, _mix(scene.background2, 0.5, (40, 60, 120)))
    c.poly([(cx - 0.15, 0.8), (cx + 0.15, 0.8), (cx + 0.17, 1.02), (cx - 0.17, 1.02)], shade)
    face_cy = 0.52
    face_h = idn.face_h
    if idn.hair_style != 2:
        long = 0.62 if idn.hair_style == 1 else 0.5
        c.ellipse(cx, face_cy - 0.03, idn.face_w + 0.05, long, idn.hair, start=180, end=360)
        if idn.hair_style == 1:
            c.poly(
                [
                    (cx - idn.face_w - 0.05, face_cy - 0.04),
                    (cx + idn.face_w + 0.05, face_cy - 0.04),
                    (cx + idn.face_w + 0.07, face_cy + 0.35),
                    (cx - idn.face_w - 0.07, face_cy + 0.35),
                ],
                idn.hair,
            )
    for side in (-1, 1):
        c.ellipse(cx + side * (idn.face_w - 0.005), idn.eye_y + 0.1, 0.04, 0.075, shade)

    # Face, side shading, hairline.
    c.ellipse(cx - yaw * 0.4, face_cy, idn.face_w, face_h, skin)
    if abs(scene.shade) > 0.05:
        side_start = 270 if scene.shade > 0 else 90
        c.ellipse(
            cx - yaw * 0.4,
            face_cy,
            idn.face_w,
            face_h,
            _mix(skin, 0.28 * abs(scene.shade)),
            start=side_start,
            end=side_start + 180,
        )
        c.ellipse(cx - yaw * 0.4, face_cy, idn.face_w * 0.8, face_h * 0.97, skin)
    if a["AU26"] > 0.02:  # jaw drop: the chin moves down
        jaw_y = face_cy + 0.05 * a["AU26"]
        c.ellipse(cx - yaw * 0.4, jaw_y, idn.face_w * 0.97, face_h, skin, start=25, end=155)
    if idn.hair_style != 2:
        c.ellipse(
            cx, face_cy - face_h + 0.07, idn.face_w * 0.95, 0.13, idn.hair, start=180, end=360
        )

    # Forehead lines (AU1 centre, AU2 sides).
    fy = idn.eye_y - idn.brow_gap - 0.075
    for k in range(2):
        y = fy - 0.03 * k
        if a["AU1"] > 0.15:
            c.line(
                _curve(cx - 0.07 + yaw, y, cx + 0.07 + yaw, y, -0.01),
                _mix(skin, 0.5 * a["AU1"]),
                0.012,
            )
        if a["AU2"] > 0.15:
            for side in (-1, 1):
                x0 = cx + yaw + side * 0.1
                x1 = cx + yaw + side * 0.22
                c.line(
                    _curve(x0, y + 0.01, x1, y + 0.025, -0.01), _mix(skin, 0.5 * a["AU2"]), 0.012
                )

    # Cheeks (AU6 raises and rounds them).
    for side in (-1, 1):
        ex = cx + yaw + side * idn.eye_dx
        cheek_y = idn.eye_y + 0.13 - 0.04 * a["AU6"]
        cheek = _mix(skin, 0.08 + 0.3 * a["AU6"], (255, 175, 165))
        c.ellipse(ex + side * 0.02, cheek_y, 0.06 + 0.02 * a["AU6"], 0.04 + 0.015 * a["AU6"], cheek)

    # Eyes.
    upper_close = 0.55 * a["AU7"]
    lower_close = 0.55 * a["AU6"] + 0.45 * a["AU7"]
    for side in (-1, 1):
        ex = cx + yaw + side * idn.eye_dx
        ey = idn.eye_y
        w, h = idn.eye_w, idn.eye_h
        top = ey - h * 1.1 * (1 - upper_close)
        bottom = ey + h * 0.9 * max(0.08, 1 - lower_close)
        upper = _curve(ex - w, ey, ex + w, ey, (top - ey) * (1.0 - 0.35 * a["AU7"]))
        lower = _curve(ex + w, ey, ex - w, ey, bottom - ey)
        c.ellipse(ex, ey - 0.004, w * 1.35, h * 2.1, _mix(skin, 0.18))
        c.poly(upper + lower, (238, 236, 230))
        iris_r = h * 0.95
        iris_h = min(iris_r, (bottom - top) / 2)
        iris_y = (top + bottom) / 2
        c.ellipse(ex + yaw * 0.3, iris_y, iris_r, iris_h, idn.iris)
        c.ellipse(ex + yaw * 0.3, iris_y, iris_r * 0.45, min(iris_r * 0.45, iris_h), (15, 15, 15))
        lid = (40, 28, 26) if a["AU7"] < 0.3 else (20, 14, 14)
        c.line(upper, lid, 0.02 + 0.012 * a["AU7"])
        c.line(lower, _mix(skin, 0.35 + 0.3 * a["AU7"]), 0.01 + 0.01 * a["AU7"])
        if a["AU6"] > 0.15:
            # Infraorbital furrow under the eye and crow's feet at the outer corner.
            c.line(
                _curve(ex - w, bottom + 0.02, ex + w, bottom + 0.02, 0.015),
                _mix(skin, 0.55 * a["AU6"]),
                0.012,
            )
            ox = ex + side * (w + 0.012)
            for dy in (-0.018, 0.0, 0.018):
                c.line(
                    [(ox, ey + dy * 0.6), (ox + side * 0.035, ey + dy * 1.6)],
                    _mix(skin, 0.45 * a["AU6"]),
                    0.011,
                )

    # Brows (AU1 inner up, AU2 outer up, AU4 down and together).
    brow_colour = tuple(min(h * 0.75, k * 0.45) for h, k in zip(idn.hair, skin, strict=True))
    base = idn.eye_y - idn.brow_gap
    for side in (-1, 1):
        inner_x = cx + yaw + side * (0.065 - 0.025 * a["AU4"])
        outer_x = cx + yaw + side * (idn.eye_dx + idn.eye_w + 0.03)
        mid_x = (inner_x + outer_x) / 2
        inner_y = base + 0.005 - 0.06 * a["AU1"] + 0.045 * a["AU4"]
        outer_y = base + 0.015 - 0.06 * a["AU2"] + 0.012 * a["AU4"]
        mid_y = base - 0.018 - 0.03 * a["AU1"] - 0.035 * a["AU2"] + 0.03 * a["AU4"]
        c.line(
            [(inner_x, inner_y), (mid_x, mid_y), (outer_x, outer_y)],
            brow_colour,
            idn.brow_thickness,
        )
    if a["AU4"] > 0.15:
        top_y = base + 0.0
        for side in (-1, 1):
            x = cx + yaw + side * 0.022
            c.line(
                [(x, top_y), (x + side * 0.004, top_y + 0.06 * a["AU4"])],
                _mix(skin, 0.55 * a["AU4"]),
                0.014,
            )

    # Nose (AU10 lifts and flares the wings, deepens the nasolabial folds).
    nx = cx + yaw * 1.6
    ny = idn.nose_y - 0.015 * a["AU10"]
    c.line(
        [(cx + yaw * 0.9 + 0.02, idn.eye_y + 0.02), (nx + 0.03, ny - 0.01)], _mix(skin, 0.25), 0.012
    )
    c.ellipse(nx, ny + 0.005, 0.05 + 0.012 * a["AU10"], 0.03, _mix(skin, 0.1))
    for side in (-1, 1):
        c.ellipse(nx + side * 0.025, ny + 0.018, 0.013 + 0.006 * a["AU10"], 0.008, _mix(skin, 0.6))

    # Mouth geometry.
    my = idn.mouth_y
    mx = cx + yaw * 1.2
    half = idn.mouth_w * (
        1 + 0.22 * a["AU12"] - 0.28 * a["AU23"] - 0.08 * a["AU24"] - 0.08 * a["AU26"]
    )
    corner_y = my - 0.05 * a["AU12"] + 0.045 * a["AU15"]
    thin = 1 - 0.55 * a["AU23"] - 0.7 * a["AU24"]
    gap_up = 0.016 * a["AU25"] + 0.028 * a["AU10"] + 0.01 * a["AU26"]
    gap_down = 0.016 * a["AU25"] + 0.085 * a["AU26"]
    upper_in = my - gap_up - 0.004 * a["AU24"]
    lower_in = my + gap_down
    upper_out = upper_in - idn.lip_h * thin - 0.004
    lower_out = lower_in + idn.lip_h * 1.25 * thin + 0.004
    bend_in = (my - corner_y) * 0.9  # how the lip line curves with the corners

    # Nasolabial folds (AU10 and AU12), chin crease and boss (AU24).
    folds = max(a["AU10"], 0.7 * a["AU12"])
    if folds > 0.1:
        for side in (-1, 1):
            x0, y0 = nx + side * 0.06, ny + 0.0
            x1, y1 = mx + side * (half + 0.03), corner_y + 0.04
            c.line(_curve(x0, y0, x1, y1, 0.0), _mix(skin, 0.4 * folds), 0.011)
    if a["AU24"] > 0.15:
        c.ellipse(mx, lower_out + 0.05, 0.055, 0.028, _mix(skin, 0.08 * a["AU24"], (255, 255, 255)))
        c.line(
            _curve(mx - 0.06, lower_out + 0.025, mx + 0.06, lower_out + 0.025, -0.012),
            _mix(skin, 0.5 * a["AU24"]),
            0.014,
        )

    lip = _mix(_mix(skin, 0.35, (190, 60, 70)), 0.15 + 0.25 * max(a["AU23"], a["AU24"]))
    left, right = (mx - half, corner_y), (mx + half, corner_y)
    opening = gap_up + gap_down > 0.004
    if opening:
        top_edge = _curve(*left, *right, upper_in - corner_y - bend_in * 0.2, 9)
        bottom_edge = _curve(*right, *left, lower_in - corner_y + bend_in * 0.3, 9)
        c.poly(top_edge + bottom_edge, (60, 20, 25))
        if a["AU10"] + a["AU25"] > 0.2:
            teeth_h = min(gap_up + gap_down, 0.03)
            tooth_edge = _curve(*right, *left, upper_in + teeth_h - corner_y, 9)
            c.poly(top_edge + tooth_edge, (242, 240, 232))
    upper_lip = _curve(*left, *right, upper_out - corner_y, 9) + _curve(
        *right, *left, upper_in - corner_y - bend_in * 0.2, 9
    )
    lower_lip = _curve(*left, *right, lower_in - corner_y + bend_in * 0.3, 9) + _curve(
        *right, *left, lower_out - corner_y, 9
    )
    c.poly(upper_lip, lip)
    c.poly(lower_lip, lip)
    if not opening:
        seam = _curve(*left, *right, my - corner_y - bend_in * 0.2, 9)
        c.line(seam, _mix(lip, 0.45 + 0.3 * a["AU24"]), 0.012 + 0.01 * a["AU24"])

    if scene.occluder is not None:
        ox, oy, ow, oh = scene.occluder
        c.ellipse(ox + ow / 2, oy + oh / 2, ow / 2, oh / 2, _mix(skin, 0.1, (255, 220, 200)))
    return finish(c.image, scene)


__all__ = ["AU_INDEX", "Identity", "Scene", "prototype_intensities", "render_face"]
