"""Embedded synthetic FACS faces, videos and still-image sets (the demo's default data).

- ``faces``: draws a face from 12 AU intensities, an identity and a scene (pose, light, noise).
- ``videos``: one identity per video, onset-apex-offset expression episodes, noisy labels.
- ``writer``: the Aff-Wild2 layout (``write_affwild2``), read by the ``affwild2`` and
  ``affwild2-mtl`` readers.
- ``stills``: still-image sets (expression-only, AU-only, compound expressions) in two styles.
- ``composite``: pastes a face into a larger frame (for detector, predict and demo tests).

Importing this package imports OpenCV; ``affectkeras.data`` does not import it.

Example:
    >>> from affectkeras.data import synthetic
    >>> video = synthetic.make_video(seed=0, index=0, frames=10)
    >>> video.render(0).shape
    (112, 112, 3)
"""

from affectkeras.data.synthetic import composite
from affectkeras.data.synthetic.faces import Identity, Scene, prototype_intensities, render_face
from affectkeras.data.synthetic.stills import make_stills, write_stills
from affectkeras.data.synthetic.videos import LabelNoise, SyntheticVideo, make_video
from affectkeras.data.synthetic.writer import SynthSummary, write_affwild2

__all__ = [
    "Identity",
    "LabelNoise",
    "Scene",
    "SynthSummary",
    "SyntheticVideo",
    "composite",
    "make_stills",
    "make_video",
    "prototype_intensities",
    "render_face",
    "write_affwild2",
    "write_stills",
]
