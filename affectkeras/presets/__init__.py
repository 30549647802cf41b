"""Trained models inside the package, loaded offline by name: ``affectkeras.load_preset(NAME)``.

A preset is a folder ``affectkeras/presets/<NAME>/`` in the installed package (wheel package
data) holding ``model.keras`` (a predictor, ``affectkeras.predictor``) and ``MODEL_CARD.md``:
what it was trained on, the exact commands, its figures, its limits and the data's terms.
Nothing is downloaded. Wherever a command takes MODEL (``predict``, ``evaluate``, ``export``,
``init_from``, ``frame_model``), a preset name works as well as a path: a path that exists wins,
so a folder named like a preset is still read as a folder. ``affectkeras predict INPUT``
without MODEL uses :data:`DEFAULT_PRESET`.

Example:
    >>> DEFAULT_PRESET in list_presets()
    True
    >>> model_card(DEFAULT_PRESET).splitlines()[0].startswith("# ")
    True
    >>> resolve_model(DEFAULT_PRESET).name
    'model.keras'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from affectkeras.predictor import MODEL_FILE

PRESETS_DIR = Path(__file__).resolve().parent
CARD_FILE = "MODEL_CARD.md"
DEFAULT_PRESET = "mini_xception_fer_ck"
"""The preset ``affectkeras predict INPUT`` uses when no MODEL is given."""


def list_presets() -> list[str]:
    """The names of the presets this installation holds, sorted."""
    return sorted(
        folder.name for folder in PRESETS_DIR.iterdir() if (folder / MODEL_FILE).is_file()
    )


def preset_dir(name: str) -> Path:
    """The folder of preset ``name``.

    Raises:
        ValueError: no such preset (the message lists the presets there are).
    """
    folder = PRESETS_DIR / str(name)
    if str(name) not in list_presets():
        raise ValueError(f"no preset named {name!r}; presets: {', '.join(list_presets())}")
    return folder


def model_card(name: str = DEFAULT_PRESET) -> str:
    """The preset's model card (Markdown)."""
    return (preset_dir(name) / CARD_FILE).read_text(encoding="utf-8")


def load_preset(name: str = DEFAULT_PRESET) -> Any:
    """Loads preset ``name``'s predictor (offline; see the module doc).

    Example:
        >>> import affectkeras, numpy as np
        >>> model = affectkeras.load_preset()  # doctest: +SKIP
        >>> faces = np.zeros((1, 48, 48, 3), "uint8")
        >>> model.predict_on_batch(faces)["expression"].shape  # doctest: +SKIP
        (1, 7)
    """
    from affectkeras.predictor import load_predictor

    return load_predictor(preset_dir(name) / MODEL_FILE)


def resolve_model(model: str | Path) -> Path:
    """The model file or RUN_DIR ``model`` names: a path that exists, else a preset's file.

    A name that is neither is returned unchanged, for the caller's "no such model" error.
    """
    path = Path(model)
    if path.exists() or str(model) not in list_presets():
        return path
    return PRESETS_DIR / str(model) / MODEL_FILE
