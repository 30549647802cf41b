"""Synthetic videos: one identity, smooth onset-apex-offset expression episodes, noisy labels.

A video alternates neutral stretches and episodes. An episode of expression ``e`` raises the AUs of
``e``'s EMFACS prototype (``labels.PROTOTYPE_AUS``; ``other`` draws a random non-prototypical set)
along an onset-apex-offset envelope to an apex intensity in [0.6, 1]; spontaneous single AUs
(a lip part while speaking, a brief brow raise) happen in between, so AUs are not a function of the
expression. Valence/arousal follow the expression's place on the circumplex scaled by the
envelope, plus a slow drift. From the clean state the frame's labels are:

- ``expression``: the episode's class where its intensity is >= ``ONSET``, else neutral;
- ``action_units``: AU intensity >= ``ONSET``;
- ``valence_arousal``: the circumplex point times the intensity, plus drift.

Annotations then get per-frame noise (expression flips, AU flips, VA jitter), and each frame is
rendered from the clean intensities plus per-frame jitter (micro-movements), pose and lighting
that wander smoothly, sensor noise, and now and then a hand over the face: single frames are
noisy views of a smooth state, as in real video, so smoothing over frames pays off.

Example:
    >>> from affectkeras.data.synthetic.videos import make_video
    >>> video = make_video(seed=0, index=0, frames=50)
    >>> video.intensities.shape, video.expression.shape, video.va.shape
    ((50, 12), (50,), (50, 2))
    >>> video.render(0, size=48).shape
    (48, 48, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from affectkeras import labels
from affectkeras.data.synthetic.faces import AU_INDEX, Identity, Scene, render_face

ONSET = 0.4
"""Intensity from which an AU counts as present and an episode as its expression."""

JITTER = 0.22
"""Standard deviation of the per-frame noise added to the AU intensities a frame is drawn with."""

CIRCUMPLEX: dict[str, tuple[float, float]] = {
    "neutral": (0.0, 0.0),
    "anger": (-0.6, 0.65),
    "disgust": (-0.7, 0.25),
    "fear": (-0.55, 0.8),
    "happiness": (0.8, 0.4),
    "sadness": (-0.7, -0.45),
    "surprise": (0.3, 0.8),
    "other": (0.0, 0.0),
}
"""Valence and arousal of each expression at full intensity (after Russell's circumplex)."""

EPISODE_PROBABILITIES: dict[str, float] = {
    "anger": 0.13,
    "disgust": 0.12,
    "fear": 0.12,
    "happiness": 0.16,
    "sadness": 0.14,
    "surprise": 0.14,
    "other": 0.19,
}

_PROTOTYPES = [frozenset(aus) for aus in labels.PROTOTYPE_AUS.values() if aus]
N_AU = len(labels.ACTION_UNITS)


@dataclass(frozen=True)
class LabelNoise:
    """Per-frame annotation noise: expression flips, AU flips and VA jitter (std)."""

    expression: float = 0.08
    action_units: float = 0.04
    valence_arousal: float = 0.08


@dataclass
class SyntheticVideo:
    """One synthetic video: the clean state, its noisy annotations, and how each frame looks.

    Arrays have ``T`` = number of frames rows. ``expression`` int64 [T] (8-class), ``aus`` int8
    [T, 12] (0/1), ``va`` float32 [T, 2] are the clean labels; ``noisy_*`` the annotations with
    per-frame noise; ``intensities`` float32 [T, 12] the clean AU intensities; ``detected``
    bool [T] False where the face is lost (no crop is written, as in Aff-Wild2).
    """

    name: str
    identity: Identity
    intensities: np.ndarray
    expression: np.ndarray
    aus: np.ndarray
    va: np.ndarray
    noisy_expression: np.ndarray
    noisy_aus: np.ndarray
    noisy_va: np.ndarray
    detected: np.ndarray
    jitter: np.ndarray = field(repr=False)
    scenes: list[Scene] = field(repr=False)

    @property
    def frames(self) -> int:
        return len(self.expression)

    def render(self, index: int, size: int = 112) -> np.ndarray:
        """Frame ``index`` (0-based) as a uint8 RGB image [size, size, 3]."""
        return render_face(
            self.identity, self.intensities[index] + self.jitter[index], self.scenes[index], size
        )

    def render_all(self, size: int = 112) -> np.ndarray:
        """All frames, uint8 [T, size, size, 3]."""
        return np.stack([self.render(i, size) for i in range(self.frames)])


def video_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of video ``index`` under ``seed`` (independent of other videos)."""
    return np.random.default_rng([int(seed), int(index), 4])


def make_video(
    seed: int,
    index: int,
    frames: int,
    name: str | None = None,
    noise: LabelNoise | None = None,
    wild: bool = True,
) -> SyntheticVideo:
    """Generates video ``index`` of the synthetic set ``seed`` (deterministic).

    Args:
        seed: the data set's seed. index: the video's number (its own random stream).
        frames: number of frames T (>= 1).
        name: the video's name (default ``f"synth{index:03d}"``).
        noise: annotation noise (default ``LabelNoise()``; ``LabelNoise(0, 0, 0)`` for none).
        wild: pose, light, occlusion and lost faces vary (False: studio conditions).
    """
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    rng = video_rng(seed, index)
    noise = noise or LabelNoise()
    identity = Identity.sample(rng)
    intensities, expression, va = _episodes(rng, frames)
    aus = (intensities >= ONSET).astype(np.int8)
    jitter = rng.normal(0.0, JITTER, (frames, N_AU))
    scenes, detected = _scenes(rng, frames, wild)
    noisy_expression = expression.copy()
    flip = rng.uniform(size=frames) < noise.expression
    noisy_expression[flip] = rng.integers(0, len(labels.EXPRESSIONS), int(flip.sum()))
    noisy_aus = np.where(rng.uniform(size=aus.shape) < noise.action_units, 1 - aus, aus)
    noisy_va = np.clip(va + rng.normal(0, noise.valence_arousal, va.shape), -1, 1)
    return SyntheticVideo(
        name=name or f"synth{index:03d}",
        identity=identity,
        intensities=intensities.astype(np.float32),
        expression=expression,
        aus=aus,
        va=va.astype(np.float32),
        noisy_expression=noisy_expression,
        noisy_aus=noisy_aus.astype(np.int8),
        noisy_va=noisy_va.astype(np.float32),
        detected=detected,
        jitter=jitter.astype(np.float32),
        scenes=scenes,
    )


def random_other_aus(rng: np.random.Generator) -> tuple[str, ...]:
    """1-3 AUs that are neither a prototype nor contain one (the ``other`` expression)."""
    while True:
        count = int(rng.integers(1, 4))
        chosen = rng.choice(N_AU, count, replace=False)
        names = frozenset(labels.ACTION_UNITS[i] for i in chosen)
        if not any(p <= names or names == p for p in _PROTOTYPES):
            return tuple(sorted(names, key=AU_INDEX.__getitem__))


def _envelope(length: int, rng: np.random.Generator) -> np.ndarray:
    """Onset (ramp up), apex (plateau), offset (ramp down) over ``length`` frames, in [0, 1]."""
    onset = max(4, int(length * rng.uniform(0.15, 0.3)))
    offset = max(4, int(length * rng.uniform(0.15, 0.3)))
    apex = max(1, length - onset - offset)
    ramp_up = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, onset, endpoint=False))
    ramp_down = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, offset + 1)[1:])
    return np.concatenate([ramp_up, np.ones(apex), ramp_down])[:length]


def _episodes(rng: np.random.Generator, frames: int):
    names = list(EPISODE_PROBABILITIES)
    probabilities = np.array(list(EPISODE_PROBABILITIES.values()))
    intensities = np.zeros((frames, N_AU))
    expression = np.zeros(frames, np.int64)
    va = np.zeros((frames, 2))
    t = int(rng.integers(0, 12))
    while t < frames:
        length = int(rng.integers(24, 64))
        name = names[rng.choice(len(names), p=probabilities / probabilities.sum())]
        aus = random_other_aus(rng) if name == "other" else labels.PROTOTYPE_AUS[name]
        apex = rng.uniform(0.6, 1.0)
        envelope = _envelope(length, rng)[: frames - t] * apex
        span = slice(t, t + len(envelope))
        for au in aus:
            gain = rng.uniform(0.8, 1.1)
            intensities[span, AU_INDEX[au]] = np.maximum(
                intensities[span, AU_INDEX[au]], envelope * gain
            )
        expression[span] = np.where(envelope >= ONSET, labels.EXPRESSIONS.index(name), 0)
        centre = np.array(CIRCUMPLEX[name])
        if name == "other":
            centre = rng.uniform(-0.35, 0.35, 2)
        va[span] = envelope[:, None] * centre
        t += len(envelope) + int(rng.integers(6, 30))
        # Spontaneous single AUs (or a pair) in the neutral stretch that follows.
        if rng.uniform() < 0.75 and t < frames:
            length = int(rng.integers(12, 28))
            for au in rng.choice(N_AU, int(rng.integers(1, 3)), replace=False):
                spont = _envelope(length, rng)[: frames - t] * rng.uniform(0.5, 0.95)
                span = slice(t, t + len(spont))
                intensities[span, au] = np.maximum(intensities[span, au], spont)
            t += length + int(rng.integers(4, 16))
    drift = np.cumsum(rng.normal(0, 0.01, (frames, 2)), axis=0)
    drift -= np.linspace(0, 1, frames)[:, None] * drift[-1:]  # a bridge: starts and ends at 0
    va = np.clip(va + drift + rng.normal(0, 0.05, 2), -1, 1)
    return np.clip(intensities, 0, 1), expression, va


def _smooth_walk(rng: np.random.Generator, frames: int, scale: float, step: float) -> np.ndarray:
    """A mean-reverting random walk (AR(1)) with stationary std ``scale``."""
    rho = 1 - step
    out = np.empty(frames)
    value = rng.normal(0, scale)
    innovation = scale * np.sqrt(1 - rho**2)
    for i in range(frames):
        value = rho * value + rng.normal(0, innovation)
        out[i] = value
    return out


def _scenes(rng: np.random.Generator, frames: int, wild: bool) -> tuple[list[Scene], np.ndarray]:
    base = Scene.sample(rng, wild=wild)
    detected = np.ones(frames, bool)
    if not wild:
        offsets = rng.integers(0, 1 << 16, frames)
        scenes = [Scene(**{**base.__dict__, "noise_offset": int(o)}) for o in offsets]
        return scenes, detected
    # The crops are aligned (as Aff-Wild2's cropped_aligned): little roll, shift and zoom remain,
    # plus the frame-to-frame jitter of landmark-based alignment (drawn per frame below).
    roll = _smooth_walk(rng, frames, 2.0, 0.05)
    yaw = np.clip(base.yaw + _smooth_walk(rng, frames, 0.2, 0.05), -0.9, 0.9)
    shift = _smooth_walk(rng, frames * 2, 0.01, 0.1).reshape(frames, 2)
    gain = np.clip(base.gain + _smooth_walk(rng, frames, 0.05, 0.02), 0.8, 1.25)
    occluded = np.zeros(frames, bool)
    if rng.uniform() < 0.6:  # a hand over the face for a while
        start = int(rng.integers(0, frames))
        occluded[start : start + int(rng.integers(5, 20))] = True
    lost = np.zeros(frames, bool)
    if rng.uniform() < 0.5 and frames > 10:  # the face is lost for a few frames
        start = int(rng.integers(0, frames))
        lost[start : start + int(rng.integers(1, 6))] = True
    detected &= ~lost
    noise_level = rng.uniform(3, 7)
    scenes = []
    for i in range(frames):
        occluder = None
        if occluded[i] or rng.uniform() < 0.06:  # or a brief gesture in front of the face
            ox, oy = rng.uniform(0.15, 0.55), rng.uniform(0.45, 0.65)
            occluder = (ox, oy, rng.uniform(0.2, 0.32), rng.uniform(0.15, 0.3))
        scenes.append(
            Scene(
                roll=float(roll[i] + rng.normal(0, 1.5)),
                yaw=float(yaw[i]),
                shift_x=float(shift[i, 0] + rng.normal(0, 0.012)),
                shift_y=float(shift[i, 1] + rng.normal(0, 0.012)),
                scale=1.0 + (base.scale - 1.0) * 0.5,
                gain=float(gain[i] + rng.normal(0, 0.05)),
                bias=base.bias,
                shade=base.shade,
                background=base.background,
                background2=base.background2,
                occluder=occluder,
                noise=noise_level * rng.uniform(0.5, 1.8),
                noise_offset=int(rng.integers(1 << 16)),
                blur=int(rng.choice((3, 5))) if rng.uniform() < 0.1 else 0,  # motion blur
            )
        )
    return scenes, detected
