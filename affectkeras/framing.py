"""How a predictor's training faces were framed, so that ``predict`` frames new faces the same way.

Datasets frame faces differently. Aff-Wild2's ``cropped_aligned`` frames (and our synthetic
faces) put five landmarks on the 112x112 ArcFace template (``inference.align``); FER2013's
faces are a face detector's box with some margin, grey, 48 px; CK+48's are tighter grey boxes.
A model only sees faces framed like its training faces, so a saved predictor carries a
:class:`FaceFraming` (in a ``models.layers.FramingLayer`` on its image input; ``with_framing``) and
``predict`` reads it back with :func:`face_framing`:

- ``crop="aligned"``: the five-point similarity alignment (the default, and what a predictor
  without a framing layer gets, as before this module existed); ``scale`` and ``shift`` make
  the crop ``scale`` times as wide as the template's and move its centre down by ``shift`` x
  the side (``inference.align.framed_template``);
- ``crop="box"``: the detector's box made square (side ``scale`` x the box's longer side), its
  centre moved down by ``shift`` x the box height, cropped (border pixels repeated) and resized;
- ``colour="grey"``: the layer turns RGB into grey inside the model (ITU-R BT.601 luma, the
  weights of OpenCV's and PIL's conversion, on all three channels), so a colour photo, a
  served request or a crop from ``predict`` meets the model as its grey training faces did;
- ``flip_average``: the layer's model averages the outputs for the face and its mirror image
  (test-time flip augmentation; the wrapped model runs twice per face).

Named framings (:data:`FRAMINGS`): ``aligned``; ``fer2013``, the box framing measured on
FER2013 PublicTest faces; ``synthetic``, the aligned framing measured on our synthetic faces
(``benchmarks/real_faces/calibrate_framing.py``: YuNet on crops pasted into larger frames,
against where the crop was; ``inference.framing_check.measure_framing``).

Example:
    >>> import keras, numpy as np
    >>> image = keras.Input((8, 8, 3), name="image")
    >>> model = keras.Model(image, {"expression": keras.layers.GlobalAveragePooling2D()(image)})
    >>> framed = with_framing(model, FRAMINGS["fer2013"])
    >>> face_framing(framed).colour, face_framing(model).crop
    ('grey', 'aligned')
    >>> pixel = np.array([[[[255, 0, 0]]]], "float32").repeat(8, 1).repeat(8, 2)
    >>> framed.predict_on_batch(pixel)["expression"].round().tolist()
    [[76.0, 76.0, 76.0]]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

CROPS = ("aligned", "box")
COLOURS = ("rgb", "grey")
LUMA = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights of R, G, B in grey (OpenCV's ``COLOR_RGB2GRAY``, PIL's ``L``)."""


@dataclass(frozen=True)
class FaceFraming:
    """How faces are cut from a frame for a model (see the module doc).

    Attributes:
        crop: ``aligned`` (five-point template) or ``box`` (detector box + margin).
        scale: ``box``: the square crop's side over the box's longer side; ``aligned``: the
            crop's side over the template crop's.
        shift: the crop centre's move down, as a fraction of the box height (``box``) or of
            the crop side (``aligned``).
        colour: ``rgb`` or ``grey`` (converted inside the model).
        flip_average: average the outputs of the face and its mirror image.
    """

    crop: str = "aligned"
    scale: float = 1.0
    shift: float = 0.0
    colour: str = "rgb"
    flip_average: bool = False

    def __post_init__(self) -> None:
        if self.crop not in CROPS:
            raise ValueError(f"crop must be one of {CROPS}, got {self.crop!r}")
        if self.colour not in COLOURS:
            raise ValueError(f"colour must be one of {COLOURS}, got {self.colour!r}")
        if not 0.25 <= self.scale <= 4.0:
            raise ValueError(f"scale must be in [0.25, 4], got {self.scale}")
        if not -1.0 <= self.shift <= 1.0:
            raise ValueError(f"shift must be in [-1, 1], got {self.shift}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def cut(
        self, image: np.ndarray, box: np.ndarray, landmarks: np.ndarray, size: int
    ) -> np.ndarray:
        """The ``size`` px square face crop of an RGB frame (no colour change: in the model)."""
        if self.crop == "aligned":
            from affectkeras.inference.align import align_face

            return align_face(image, landmarks, size, self.scale, self.shift)
        return box_crop(image, box, size, self.scale, self.shift)


FRAMINGS: dict[str, FaceFraming] = {
    "aligned": FaceFraming(),
    # FER2013: the medians measured by benchmarks/real_faces/calibrate_framing.py on 800
    # PublicTest faces (YuNet found 90.6 %): quartiles of scale 0.93 / 1.01 / 1.09, of shift
    # -0.049 / -0.023 / 0.009. FER's crop is about YuNet's box, its centre slightly higher.
    "fer2013": FaceFraming(crop="box", scale=1.01, shift=-0.023, colour="grey"),
    # Our synthetic faces (``affectkeras synth``, ``data.synthetic``): drawn on the template,
    # but YuNet's landmarks on them sit 4 % wider (800 stills at 112 px, all found: scale
    # quartiles 1.017 / 1.041 / 1.073, shift -0.010 / -0.001 / 0.008), so the plain aligned
    # crop zoomed in by 4 % (the demo's clip accuracy 0.53 against 0.73 on crops).
    "synthetic": FaceFraming(crop="aligned", scale=1.041, shift=0.0),
}
"""Named framings: the ``face_framing`` config key's values."""


def box_crop(
    image: np.ndarray, box: np.ndarray, size: int, scale: float, shift: float
) -> np.ndarray:
    """The square ``size`` px crop around a detector box ``(x, y, w, h)`` (see ``FaceFraming``).

    Parts outside the frame repeat its border pixels; one affine warp (area-like smoothing by a
    pre-shrink when the crop is much larger than ``size``).

    Example:
        >>> frame = np.zeros((100, 100, 3), np.uint8); frame[40:60, 40:60] = 255
        >>> crop = box_crop(frame, np.array([40, 40, 20, 20]), 10, scale=1.0, shift=0.0)
        >>> int(crop.min()), int(crop.max())
        (255, 255)
    """
    x, y, w, h = (float(v) for v in box[:4])
    side = scale * max(w, h)
    if side <= 0:
        raise ValueError(f"a face box needs a positive size, got {tuple(box[:4])}")
    centre_x, centre_y = x + w / 2, y + h / 2 + shift * h
    factor = size / side
    factor_x = factor_y = factor
    if factor < 0.5:  # shrink first so the warp does not alias (INTER_AREA)
        image, left, top = _around(image, centre_x, centre_y, side / 2 + 1 / factor + 2)
        width = max(1, round(image.shape[1] * 2 * factor))
        height = max(1, round(image.shape[0] * 2 * factor))
        ratio_x, ratio_y = width / image.shape[1], height / image.shape[0]  # exactly OpenCV's
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        centre_x, centre_y = (centre_x - left) * ratio_x, (centre_y - top) * ratio_y
        factor_x, factor_y = factor / ratio_x, factor / ratio_y
    # pixel centres: output pixel i covers [centre - side / 2 + i / factor, ... + 1 / factor)
    offset_x = size / 2 - factor_x * centre_x - 0.5 + factor_x * 0.5
    offset_y = size / 2 - factor_y * centre_y - 0.5 + factor_y * 0.5
    matrix = np.array([[factor_x, 0.0, offset_x], [0.0, factor_y, offset_y]])
    return cv2.warpAffine(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _around(
    image: np.ndarray, centre_x: float, centre_y: float, half: float
) -> tuple[np.ndarray, int, int]:
    """The part of ``image`` within ``half`` px of a centre (at least one pixel, the nearest
    edge's when the square lies outside the frame) and its top-left corner: only that part
    is shrunk, not the whole frame (5 ms saved per face on a 640x480 frame)."""
    height, width = image.shape[:2]
    left = min(max(int(np.floor(centre_x - half)), 0), width - 1)
    top = min(max(int(np.floor(centre_y - half)), 0), height - 1)
    right = min(max(int(np.ceil(centre_x + half)), left + 1), width)
    bottom = min(max(int(np.ceil(centre_y + half)), top + 1), height)
    return image[top:bottom, left:right], left, top


def with_framing(predictor: Any, framing: FaceFraming) -> Any:
    """An image predictor that records ``framing`` (and converts colour / averages flips).

    The result takes the same ``image`` input and gives the same outputs, wrapping
    ``predictor`` (its weights shared, not copied). A predictor that already carries a framing
    is unwrapped first, so framings never stack.

    Raises:
        ValueError: a window (temporal) predictor: only image predictors take a framing yet.
    """
    import keras
    from keras import ops

    from affectkeras.models.layers import FramingLayer
    from affectkeras.predictor import describe_inputs

    inputs = describe_inputs(predictor)
    if inputs.windowed:
        raise ValueError("a framing is recorded on image predictors only; this one takes windows")
    predictor = _unwrapped(predictor)
    image = keras.Input((inputs.height, inputs.width, 3), name="image")
    framed = FramingLayer(**framing.to_dict())(image)
    outputs = predictor(framed)
    if framing.flip_average:
        mirrored = predictor(ops.flip(framed, axis=2))
        outputs = {
            name: keras.layers.Average(name=name)([outputs[name], mirrored[name]])
            for name in outputs
        }
    else:
        outputs = {name: keras.layers.Identity(name=name)(value) for name, value in outputs.items()}
    return keras.Model(image, outputs, name=predictor.name)


def framed_predictor(predictor: Any, name: str, flip_average: bool = False) -> Any:
    """``predictor`` recording the named framing (``FRAMINGS[name]``, the ``face_framing``
    config key) and ``flip_average`` (``test_time_flip``); unchanged for the default aligned
    RGB framing, so such runs save the same model as before framings existed."""
    framing = dataclasses.replace(FRAMINGS[name], flip_average=bool(flip_average))
    if framing == FaceFraming():
        return predictor
    return with_framing(predictor, framing)


def _unwrapped(model: Any) -> Any:
    """The predictor inside a ``with_framing`` model (``model`` itself when it has none)."""
    if any(_is_framing(layer) for layer in model.layers):
        nested = [layer for layer in model.layers if hasattr(layer, "layers")]
        if len(nested) == 1:
            return nested[0]
    return model


def face_framing(model: Any) -> FaceFraming:
    """The framing a predictor records, or the default ``aligned`` RGB one (older models)."""
    stack = [model]
    while stack:
        current = stack.pop()
        for layer in getattr(current, "layers", ()):
            if _is_framing(layer):
                return layer.framing
            if hasattr(layer, "layers"):
                stack.append(layer)
    return FaceFraming()


def _is_framing(layer: Any) -> bool:
    return isinstance(getattr(layer, "framing", None), FaceFraming)
