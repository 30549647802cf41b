"""How a synthetic face looks apart from its AUs: the person (Identity) and the shot (Scene).

``Identity`` fixes face shape, skin tone, hair and feature sizes and positions; ``Scene`` sets pose,
light, backdrop, occlusion and sensor noise. ``finish`` applies a scene's pose warp, lighting,
blur and noise to a drawn face.

Example:
    >>> import numpy as np
    >>> from affectkeras.data.synthetic.appearance import Identity, Scene
    >>> identity = Identity.sample(np.random.default_rng(0))
    >>> 0.3 < identity.face_w < 0.4
    True
    >>> Scene.sample(np.random.default_rng(0), wild=False).roll
    0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SKIN_TONES = np.array(
    [
        [236, 198, 170],
        [224, 172, 140],
        [198, 146, 110],
        [170, 118, 84],
        [140, 96, 66],
        [114, 78, 55],
    ],
    dtype=np.float64,
)
HAIR_COLOURS = np.array(
    [[30, 24, 20], [70, 48, 30], [120, 84, 48], [180, 150, 100], [110, 110, 110], [60, 30, 20]],
    dtype=np.float64,
)
IRIS_COLOURS = np.array([[60, 40, 30], [90, 120, 160], [80, 110, 70], [40, 30, 25]], np.float64)


@dataclass(frozen=True)
class Identity:
    """The fixed look of one synthetic person (lengths are fractions of the image size).

    Use ``Identity.sample(rng)``; the fields are public so that tests and plots can fix them.
    """

    face_w: float
    face_h: float
    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    hair_style: int
    iris: tuple[float, float, float]
    eye_dx: float
    eye_y: float
    eye_w: float
    eye_h: float
    brow_gap: float
    brow_thickness: float
    nose_y: float
    mouth_y: float
    mouth_w: float
    lip_h: float

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Identity:
        """Draws a random identity: face shape, skin tone, hair, feature sizes and positions."""
        skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.93, 1.05, 3)
        hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))] * rng.uniform(0.85, 1.15)
        return cls(
            face_w=rng.uniform(0.33, 0.38),
            face_h=rng.uniform(0.47, 0.53),
            skin=tuple(np.clip(skin, 0, 255)),
            hair=tuple(np.clip(hair, 0, 255)),
            hair_style=int(rng.integers(3)),
            iris=tuple(IRIS_COLOURS[rng.integers(len(IRIS_COLOURS))]),
            eye_dx=rng.uniform(0.150, 0.168),
            eye_y=rng.uniform(0.450, 0.475),
            eye_w=rng.uniform(0.052, 0.062),
            eye_h=rng.uniform(0.020, 0.026),
            brow_gap=rng.uniform(0.070, 0.085),
            brow_thickness=rng.uniform(0.024, 0.034),
            nose_y=rng.uniform(0.625, 0.655),
            mouth_y=rng.uniform(0.815, 0.835),
            mouth_w=rng.uniform(0.120, 0.140),
            lip_h=rng.uniform(0.020, 0.026),
        )


@dataclass(frozen=True)
class Scene:
    """How one image of a face is taken: pose, light, background, occlusion, sensor noise.

    Args:
        roll: in-plane rotation, degrees. yaw: -1..1, features slide sideways (pseudo-3D).
        shift_x, shift_y: translation, fractions of the size. scale: zoom around the centre.
        gain, bias: brightness ``pixel * gain + bias``. shade: -1..1, side lighting strength.
        background, background2: RGB of the backdrop and of a shape drawn on it.
        occluder: ``(x, y, w, h)`` fractions of a skin/cloth-coloured patch over the face, or None.
        noise: standard deviation of additive sensor noise (0..255 scale). blur: box blur, px.
        gray: draw in grayscale (replicated over the 3 channels).
    """

    roll: float = 0.0
    yaw: float = 0.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    scale: float = 1.0
    gain: float = 1.0
    bias: float = 0.0
    shade: float = 0.0
    background: tuple[float, float, float] = (150.0, 160.0, 170.0)
    background2: tuple[float, float, float] = (120.0, 130.0, 140.0)
    occluder: tuple[float, float, float, float] | None = None
    noise: float = 0.0
    noise_offset: int = 0
    blur: int = 0
    gray: bool = False

    @classmethod
    def sample(cls, rng: np.random.Generator, wild: bool = True) -> Scene:
        """A random scene; ``wild=False`` gives a frontal, evenly lit studio shot."""
        background = rng.uniform(40, 230, 3)
        background2 = np.clip(background + rng.uniform(-60, 60, 3), 0, 255)
        if not wild:
            return cls(
                scale=rng.uniform(0.97, 1.03),
                gain=rng.uniform(0.95, 1.05),
                background=tuple(background),
                background2=tuple(background2),
                noise=2.0,
                noise_offset=int(rng.integers(1 << 16)),
            )
        return cls(
            roll=rng.normal(0, 6),
            yaw=float(np.clip(rng.normal(0, 0.35), -0.8, 0.8)),
            shift_x=rng.normal(0, 0.02),
            shift_y=rng.normal(0, 0.02),
            scale=rng.uniform(0.92, 1.06),
            gain=rng.uniform(0.85, 1.2),
            bias=rng.uniform(-20, 20),
            shade=rng.uniform(-0.6, 0.6),
            background=tuple(background),
            background2=tuple(background2),
            noise=rng.uniform(2, 8),
            noise_offset=int(rng.integers(1 << 16)),
        )


_NOISE = np.random.default_rng(20240611).normal(0.0, 1.0, (384, 384, 3)).astype(np.float32)


def finish(image: np.ndarray, scene: Scene) -> np.ndarray:
    """Pose warp, lighting, blur, sensor noise and grayscale, in that order."""
    size = image.shape[0]
    if scene.roll or scene.scale != 1.0 or scene.shift_x or scene.shift_y:
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), scene.roll, scene.scale)
        matrix[:, 2] += (scene.shift_x * size, scene.shift_y * size)
        image = cv2.warpAffine(
            image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    if scene.gray:
        image = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    if scene.blur > 1:
        image = cv2.blur(image, (scene.blur, scene.blur))
    if scene.noise > 0 or scene.gain != 1.0 or scene.bias:
        y0 = scene.noise_offset % (_NOISE.shape[0] - size)
        x0 = (scene.noise_offset // 7) % (_NOISE.shape[1] - size)
        noise = _NOISE[y0 : y0 + size, x0 : x0 + size]
        if scene.gray:
            noise = noise[..., :1]
        out = image.astype(np.float32) * scene.gain + (scene.bias + scene.noise * noise)
        image = np.clip(out, 0, 255).astype(np.uint8)
    return image
