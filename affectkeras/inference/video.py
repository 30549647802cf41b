"""Frames to predict on: an image, a folder of images, or a video file, one frame at a time.

Videos are decoded with OpenCV frame by frame (constant memory, whatever the length), keeping
the 1-based frame number and the frame rate. A folder of images is a set of stills, unless every
file name is a number (``00001.jpg``, Aff-Wild2's ``cropped_aligned/<video>/`` layout): then it
is one video named after the folder, frame k being the file numbered k.

Example:
    >>> import tempfile, pathlib
    >>> import cv2, numpy as np
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for k in (1, 2):
    ...     _ = cv2.imwrite(str(folder / f"{k:05d}.png"), np.zeros((8, 8, 3), np.uint8))
    >>> source = open_source(folder)
    >>> source.name == folder.name, source.kind
    (True, 'frames')
    >>> [(f.frame, f.image.shape) for f in source.frames()]
    [(1, (8, 8, 3)), (2, (8, 8, 3))]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from affectkeras.data.skips import SkipReport

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm", ".mpg", ".mpeg", ".m4v", ".wmv", ".flv"}
)


@dataclass(frozen=True)
class Frame:
    """One frame to predict on.

    Attributes:
        name: the image's file name, or the video's name (file name without suffix).
        frame: 1-based frame number in the video, -1 for a still image.
        image: uint8 RGB [H, W, 3].
    """

    name: str
    frame: int
    image: np.ndarray

    @property
    def is_still(self) -> bool:
        return self.frame < 0


@dataclass(frozen=True)
class Source:
    """What ``open_source`` found at a path.

    Attributes:
        path: the input path.
        kind: ``image``, ``stills`` (a folder of images), ``frames`` (a folder of numbered
            frames) or ``video``.
        files: the image files, in order (empty for a video).
        fps: frames per second of a video (None otherwise, or when the file does not say).
        frame_count: frames a video announces (OpenCV's estimate), else the number of files.
        recursive: stills gathered from sub-folders too (named by their path under ``path``).
    """

    path: Path
    kind: str
    files: tuple[Path, ...] = ()
    fps: float | None = None
    frame_count: int = 0
    recursive: bool = False

    @property
    def name(self) -> str:
        """The video's name: the file's stem, or the folder's name for numbered frames."""
        return self.path.stem if self.kind == "video" else self.path.name

    def frames(self, skips: SkipReport | None = None) -> Iterator[Frame]:
        """Every frame, in order; one decoded image in memory at a time.

        Args:
            skips: for a folder, where an image that does not decode is counted (and skipped);
                None: such an image is an error. A single image always is.
        """
        if self.kind == "video":
            yield from read_video(self.path)
            return
        for path in self.files:
            try:
                image = read_image(path)
            except ValueError:
                if skips is None or self.kind == "image":
                    raise
                skips.add("unreadable_image", [str(path)])
                continue
            if self.kind == "frames":
                yield Frame(self.name, int(path.stem), image)
            elif self.recursive:  # the sub-folders (often class names) stay in the name
                yield Frame(path.relative_to(self.path).as_posix(), -1, image)
            else:
                yield Frame(path.name, -1, image)


def read_image(path: Path) -> np.ndarray:
    """uint8 RGB [H, W, 3] of an image file (grey and alpha images converted)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_video(path: Path) -> Iterator[Frame]:
    """The frames of a video file, decoded one at a time (1-based frame numbers)."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"{path}: OpenCV cannot open this video")
    try:
        index = 0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            index += 1
            yield Frame(Path(path).stem, index, cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    finally:
        capture.release()
    if index == 0:
        raise ValueError(f"{path}: the video has no frame OpenCV can decode")


def open_source(path: str | Path, recursive: bool = False) -> Source:
    """Classifies an input path (image, folder of stills or numbered frames, video).

    Args:
        path: an image, a video, or a folder of images.
        recursive: a folder's images include those of its sub-folders, at any depth (stills
            named by their path under ``path``, e.g. ``happy/0001.jpg``).

    Raises:
        ValueError: no such path, an unknown file type, or a folder without images (saying
            so when only its sub-folders hold images: use ``recursive``).
    """
    path = Path(path)
    if path.is_dir() and recursive:
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            raise ValueError(
                f"{path}: neither the folder nor its sub-folders hold an image ({suffixes})"
            )
        return Source(path, "stills", tuple(files), frame_count=len(files), recursive=True)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            nested = sorted(
                {
                    p.relative_to(path).parts[0]
                    for p in path.rglob("*")
                    if p.suffix.lower() in IMAGE_SUFFIXES
                }
            )
            if nested:
                shown = ", ".join(f"{name}/" for name in nested[:5]) + (
                    ", ..." if len(nested) > 5 else ""
                )
                raise ValueError(
                    f"{path}: the folder holds no image itself, but its sub-folders {shown} do "
                    "(class folders?): add --recursive (Python: recursive=True) to read them all"
                )
            raise ValueError(f"{path}: the folder holds no image ({suffixes})")
        if all(p.stem.isdigit() for p in files):
            files = sorted(files, key=lambda p: int(p.stem))
            numbers = [int(p.stem) for p in files]
            if numbers[0] < 1 or len(set(numbers)) != len(numbers):
                raise ValueError(f"{path}: numbered frames must be unique and start from 1")
            return Source(path, "frames", tuple(files), frame_count=len(files))
        return Source(path, "stills", tuple(files), frame_count=len(files))
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return Source(path, "image", (path,), frame_count=1)
    if suffix in VIDEO_SUFFIXES:
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise ValueError(f"{path}: OpenCV cannot open this video")
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        capture.release()
        return Source(path, "video", fps=fps if fps > 0 else None, frame_count=max(count, 0))
    known = ", ".join(sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))
    raise ValueError(f"{path}: not an image, a video or a folder (known suffixes: {known})")


def write_video(path: str | Path, frames, fps: float = 25.0) -> Path:
    """Writes uint8 RGB frames [T, H, W, 3] (an iterable) as a video (MJPG in ``.avi``, else mp4v).

    Used by tests, benchmarks and the docs to make example videos.
    """
    path = Path(path)
    writer = None
    try:
        for frame in frames:
            if writer is None:
                height, width = frame.shape[:2]
                codec = "MJPG" if path.suffix.lower() == ".avi" else "mp4v"
                path.parent.mkdir(parents=True, exist_ok=True)
                writer = cv2.VideoWriter(
                    str(path), cv2.VideoWriter_fourcc(*codec), fps, (width, height)
                )
                if not writer.isOpened():
                    raise ValueError(f"{path}: OpenCV cannot write this video ({codec})")
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
    finally:
        if writer is not None:
            writer.release()
    if writer is None:
        raise ValueError(f"{path}: no frame to write")
    return path
