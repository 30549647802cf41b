"""Canonical label spaces of affectkeras, their MISSING sentinels and the datasets' label maps.

Every reader maps its dataset's own labels into these spaces (../shared/FORMATS.md):

- Expressions, in Aff-Wild2 order: ``neutral, anger, disgust, fear, happiness, sadness, surprise,
  other``. The 7-class space is the first seven.
- The 12 Aff-Wild2 action units ``AU1 ... AU26`` (occurrence, 0/1).
- Valence and arousal, floats in [-1, 1].
- MISSING: expression -1, each AU -1 (per AU, not per row), valence/arousal -5.

Seed 003 (Pons & Masip) also recognises compound emotions; their names follow its Table 4.

Example:
    >>> from affectkeras import labels
    >>> labels.expression_names(7)[-1]
    'surprise'
    >>> labels.canonical_expression("happy")
    4
    >>> labels.canonical_expression("contempt", num_classes=8, contempt="other")
    7
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# --------------------------------------------------------------------------------------------
# Canonical spaces and sentinels
# --------------------------------------------------------------------------------------------

EXPRESSIONS: tuple[str, ...] = (
    "neutral",
    "anger",
    "disgust",
    "fear",
    "happiness",
    "sadness",
    "surprise",
    "other",
)
"""The 8 canonical expressions in Aff-Wild2 order; the 7-class space is ``EXPRESSIONS[:7]``."""

EXPRESSION_CLASS_COUNTS: tuple[int, ...] = (7, 8)
"""The two expression label spaces: ABAW2 (7 basic) and ABAW3+ (7 basic + other)."""

ACTION_UNITS: tuple[str, ...] = (
    "AU1",
    "AU2",
    "AU4",
    "AU6",
    "AU7",
    "AU10",
    "AU12",
    "AU15",
    "AU23",
    "AU24",
    "AU25",
    "AU26",
)
"""The 12 Aff-Wild2 action units, in the order of the Aff-Wild2 AU annotation header."""

VALENCE_AROUSAL: tuple[str, ...] = ("valence", "arousal")

MISSING_EXPRESSION: int = -1
MISSING_AU: int = -1
MISSING_VA: float = -5.0

CONTEMPT: str = "contempt"
"""Contempt (AffectNet, CK+) is not a canonical expression; readers map it per ``contempt=``."""

CONTEMPT_POLICIES: tuple[str, ...] = ("missing", "other")

COMPOUND_EMOTIONS: tuple[str, ...] = (
    "angrily_disgusted",
    "angrily_surprised",
    "fearfully_angry",
    "fearfully_surprised",
    "happily_disgusted",
    "happily_surprised",
    "sadly_angry",
    "sadly_disgusted",
)
"""Seed 003's compound emotions, in the order of its Table 4."""

COMPOUND_COMPONENTS: dict[str, tuple[str, str]] = {
    "angrily_disgusted": ("anger", "disgust"),
    "angrily_surprised": ("anger", "surprise"),
    "fearfully_angry": ("fear", "anger"),
    "fearfully_surprised": ("fear", "surprise"),
    "happily_disgusted": ("happiness", "disgust"),
    "happily_surprised": ("happiness", "surprise"),
    "sadly_angry": ("sadness", "anger"),
    "sadly_disgusted": ("sadness", "disgust"),
}
"""The two basic expressions each compound emotion combines (Du et al., 2014)."""

PROTOTYPE_AUS: dict[str, tuple[str, ...]] = {
    "neutral": (),
    "anger": ("AU4", "AU7", "AU23", "AU24"),
    "disgust": ("AU4", "AU10", "AU15"),
    "fear": ("AU1", "AU2", "AU4", "AU7", "AU25"),
    "happiness": ("AU6", "AU12"),
    "sadness": ("AU1", "AU4", "AU15"),
    "surprise": ("AU1", "AU2", "AU25", "AU26"),
}
"""EMFACS prototypes restricted to the 12 canonical AUs (the synthetic generator draws these)."""

EMOTIONET_ACTION_UNITS: tuple[str, ...] = (
    "AU1",
    "AU2",
    "AU4",
    "AU5",
    "AU6",
    "AU9",
    "AU12",
    "AU17",
    "AU20",
    "AU25",
    "AU26",
)
"""The 11 EmotioNet AUs that seed 003 trains on (its Table 3 header)."""

SPLITS: tuple[str, ...] = ("train", "validation", "test", "public_test", "private_test")
"""Canonical values of the sample table's ``split`` column."""


# --------------------------------------------------------------------------------------------
# Dataset label maps: native code -> native name (lower case)
# --------------------------------------------------------------------------------------------

DATASET_EXPRESSION_CODES: dict[str, dict[int, str]] = {
    "affwild2": dict(enumerate(EXPRESSIONS)),
    "affectnet": {
        0: "neutral",
        1: "happy",
        2: "sad",
        3: "surprise",
        4: "fear",
        5: "disgust",
        6: "anger",
        7: "contempt",
        8: "none",
        9: "uncertain",
        10: "no-face",
    },
    "rafdb": {
        1: "surprise",
        2: "fear",
        3: "disgust",
        4: "happiness",
        5: "sadness",
        6: "anger",
        7: "neutral",
    },
    "fer2013": {
        0: "angry",
        1: "disgust",
        2: "fear",
        3: "happy",
        4: "sad",
        5: "surprise",
        6: "neutral",
    },
    "expw": {
        0: "angry",
        1: "disgust",
        2: "fear",
        3: "happy",
        4: "sad",
        5: "surprise",
        6: "neutral",
    },
    "ckplus": {
        0: "neutral",
        1: "anger",
        2: "contempt",
        3: "disgust",
        4: "fear",
        5: "happy",
        6: "sadness",
        7: "surprise",
    },
}
"""Each dataset's integer expression codes and their native names (../shared/FORMATS.md)."""

NOT_EXPRESSIONS: frozenset[str] = frozenset({"none", "uncertain", "no-face"})
"""Native labels that are not expressions (AffectNet 8-10): MISSING in every canonical space."""

_SYNONYMS: dict[str, str] = {
    "neutral": "neutral",
    "anger": "anger",
    "angry": "anger",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "happiness": "happiness",
    "happy": "happiness",
    "sadness": "sadness",
    "sad": "sadness",
    "surprise": "surprise",
    "surprised": "surprise",
    "other": "other",
}


def expression_names(num_classes: int = 8) -> tuple[str, ...]:
    """Returns the canonical expression names of the ``num_classes``-class space (7 or 8)."""
    _check_num_classes(num_classes)
    return EXPRESSIONS[:num_classes]


def expression_index(name: str, num_classes: int = 8) -> int:
    """Returns the canonical index of a canonical expression name.

    Raises:
        ValueError: if ``name`` is not in the ``num_classes``-class space.
    """
    names = expression_names(num_classes)
    if name not in names:
        raise ValueError(
            f"Unknown expression {name!r} in the {num_classes}-class space; expected one of {names}"
        )
    return names.index(name)


def canonical_expression(native_name: str, num_classes: int = 8, contempt: str = "missing") -> int:
    """Maps a dataset's own expression name to a canonical index, or -1 (MISSING).

    Args:
        native_name: the dataset's label, any case (``"Happy"``, ``"sadness"``, ``"contempt"``).
        num_classes: 7 or 8; ``other`` is MISSING in the 7-class space.
        contempt: ``"missing"`` (default) or ``"other"``: where contempt goes. In the 7-class
            space contempt is always MISSING, as there is no ``other`` to hold it.

    Raises:
        ValueError: for a name that is neither an expression nor a known non-expression label.
    """
    _check_num_classes(num_classes)
    if contempt not in CONTEMPT_POLICIES:
        raise ValueError(f"contempt must be one of {CONTEMPT_POLICIES}, got {contempt!r}")
    key = native_name.strip().lower()
    if key in NOT_EXPRESSIONS:
        return MISSING_EXPRESSION
    if key == CONTEMPT:
        if contempt == "other" and num_classes == 8:
            return EXPRESSIONS.index("other")
        return MISSING_EXPRESSION
    if key not in _SYNONYMS:
        raise ValueError(
            f"Unknown expression label {native_name!r}; known: {sorted(_SYNONYMS)}, "
            f"{CONTEMPT!r} and the non-expressions {sorted(NOT_EXPRESSIONS)}"
        )
    index = EXPRESSIONS.index(_SYNONYMS[key])
    return index if index < num_classes else MISSING_EXPRESSION


def _check_num_classes(num_classes: int) -> None:
    if num_classes not in EXPRESSION_CLASS_COUNTS:
        raise ValueError(f"num_classes must be 7 or 8, got {num_classes!r}")


# --------------------------------------------------------------------------------------------
# Label spaces (the unit SJMT's union output is built from)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSpace:
    """A named set of labels: one class per sample (multiclass) or any subset (multilabel).

    Args:
        name: identifier, unique among the spaces of one model (``"expression7"``).
        kind: ``"multiclass"`` or ``"multilabel"``.
        names: the label names, in output order.
    """

    name: str
    kind: Literal["multiclass", "multilabel"]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in ("multiclass", "multilabel"):
            raise ValueError(f"LabelSpace kind must be multiclass or multilabel, got {self.kind!r}")
        if not self.names:
            raise ValueError(f"LabelSpace {self.name!r} has no labels")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"LabelSpace {self.name!r} repeats a label: {self.names}")
        object.__setattr__(self, "names", tuple(self.names))

    @property
    def size(self) -> int:
        return len(self.names)

    def to_config(self) -> dict:
        return {"name": self.name, "kind": self.kind, "names": list(self.names)}

    @classmethod
    def from_config(cls, config: dict) -> LabelSpace:
        return cls(name=config["name"], kind=config["kind"], names=tuple(config["names"]))


EXPRESSION_7 = LabelSpace("expression7", "multiclass", EXPRESSIONS[:7])
EXPRESSION_8 = LabelSpace("expression8", "multiclass", EXPRESSIONS)
AU_12 = LabelSpace("au12", "multilabel", ACTION_UNITS)
EMOTIONET_AU = LabelSpace("emotionet_au", "multilabel", EMOTIONET_ACTION_UNITS)
COMPOUND = LabelSpace("compound", "multiclass", COMPOUND_EMOTIONS)
CKPLUS_EXPRESSION = LabelSpace(
    "ckplus_expression",
    "multiclass",
    ("neutral", "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise"),
)

STANDARD_LABEL_SPACES: dict[str, LabelSpace] = {
    space.name: space
    for space in (EXPRESSION_7, EXPRESSION_8, AU_12, EMOTIONET_AU, COMPOUND, CKPLUS_EXPRESSION)
}


def get_label_space(name: str) -> LabelSpace:
    """Returns a standard label space by name (see ``STANDARD_LABEL_SPACES``)."""
    if name not in STANDARD_LABEL_SPACES:
        raise ValueError(
            f"Unknown label space {name!r}; standard ones: {sorted(STANDARD_LABEL_SPACES)}"
        )
    return STANDARD_LABEL_SPACES[name]


def check_unique_names(spaces: Sequence[LabelSpace]) -> None:
    """Raises ValueError when two label spaces share a name."""
    seen: set[str] = set()
    for space in spaces:
        if space.name in seen:
            raise ValueError(f"Label space {space.name!r} is listed twice")
        seen.add(space.name)
