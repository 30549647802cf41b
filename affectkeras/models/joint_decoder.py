"""Decodes seed 003's joint sigmoid output back to per-dataset and canonical labels (numpy only).

The SJMT model (Pons & Masip) has ONE sigmoid layer over the union of the datasets' label
spaces, ``OutputSpec.joint(spaces)``; each space owns a segment of the units. At test time a
dataset's own labels are read from its segment: argmax for a multiclass space (one expression
or compound emotion per image), a threshold for a multilabel one (AUs). Because every unit is
predicted for every image, an image from an expression dataset also gets AU scores, which is
what the paper's Figure 2 shows.

Example:
    >>> import numpy as np
    >>> from affectkeras import labels
    >>> from affectkeras.output_spec import OutputSpec
    >>> spec = OutputSpec.joint([labels.EXPRESSION_7, labels.EMOTIONET_AU, labels.COMPOUND])
    >>> decoder = JointDecoder(spec)
    >>> scores = np.full((1, spec["joint"].size), 0.1)
    >>> scores[0, 4] = 0.9  # expression7/happiness
    >>> scores[0, 7 + 4] = 0.8  # emotionet_au/AU6
    >>> decoded = decoder.per_space(scores)
    >>> int(decoded["expression7"][0]), decoded["emotionet_au"][0].tolist()
    (4, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    >>> canonical = decoder.canonical(scores, num_classes=7)
    >>> int(canonical["expression"].argmax()), round(float(canonical["action_units"][0, 3]), 2)
    (4, 0.8)
"""

from __future__ import annotations

import numpy as np

from affectkeras import labels
from affectkeras.output_spec import OutputSpec, TaskSpec


class JointDecoder:
    """Reads per-space and canonical predictions out of a joint sigmoid output [N, U].

    Args:
        spec: an ``OutputSpec.joint(...)`` spec, or its joint ``TaskSpec``.
        threshold: sigmoid threshold for multilabel spaces.
    """

    def __init__(self, spec: OutputSpec | TaskSpec, threshold: float = 0.5):
        task = spec if isinstance(spec, TaskSpec) else _joint_task(spec)
        if not task.is_joint:
            raise ValueError(
                f"JointDecoder needs a joint task with segments; {task.name!r} has none"
            )
        self.task = task
        self.threshold = float(threshold)

    @property
    def spaces(self) -> list[str]:
        """The label-space names, in unit order."""
        return list(self.task.segments)

    def labels_of(self, space: str) -> tuple[str, ...]:
        """A space's label names (unit names without the ``space/`` prefix)."""
        start, stop = self._segment(space)
        return tuple(name.split("/", 1)[1] for name in self.task.label_names[start:stop])

    def scores(self, outputs: np.ndarray, space: str) -> np.ndarray:
        """[N, |space|] sigmoid scores of one space."""
        return self.task.segment(self._check(outputs), space)

    def per_space(self, outputs: np.ndarray) -> dict[str, np.ndarray]:
        """Each space's decision: int64 [N] class index (multiclass) or 0/1 [N, size]."""
        outputs = self._check(outputs)
        decoded = {}
        for space in self.spaces:
            scores = self.task.segment(outputs, space)
            if self.task.segment_kinds[space] == "multiclass":
                decoded[space] = np.argmax(scores, axis=-1)
            else:
                decoded[space] = (scores >= self.threshold).astype(np.int64)
        return decoded

    def canonical(self, outputs: np.ndarray, num_classes: int = 8) -> dict[str, np.ndarray]:
        """Scores in the canonical spaces of ``affectkeras.labels``, where the union has them.

        Returns (keys only for what some space predicts):
            ``expression``: float [N, num_classes], the expression units' scores (averaged
            over spaces that share a class, e.g. SFEW's and CK+'s ``happiness``) normalised to
            sum to 1; a canonical class no space has (``other``) scores 0. Contempt is dropped.
            ``action_units``: float [N, 12] in canonical AU order, averaged over AU spaces, NaN
            for an AU no space predicts (EmotioNet lacks AU7, AU10, AU15, AU23, AU24).
            ``compound``: float [N, 8] in ``labels.COMPOUND_EMOTIONS`` order.
        """
        outputs = self._check(outputs)
        names = labels.expression_names(num_classes)
        groups = {
            "expression": (names, self._expression_units(num_classes)),
            "action_units": (labels.ACTION_UNITS, self._label_units("AU")),
            "compound": (labels.COMPOUND_EMOTIONS, self._label_units("compound")),
        }
        result = {}
        for key, (target_names, units) in groups.items():
            if not units:
                continue
            sums = np.zeros((outputs.shape[0], len(target_names)))
            counts = np.zeros(len(target_names))
            for unit, target in units:
                sums[:, target] += outputs[:, unit]
                counts[target] += 1
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = sums / counts
            if key == "expression":
                mean = np.nan_to_num(mean, nan=0.0)
                mean = mean / mean.sum(axis=-1, keepdims=True)
            result[key] = mean
        return result

    def canonical_units(self, kind: str, num_classes: int = 8) -> list[tuple[int, int]]:
        """``(joint unit, canonical index)`` pairs that :meth:`canonical` averages.

        Args:
            kind: ``"expression"``, ``"action_units"`` or ``"compound"``.
            num_classes: the canonical expression space (7 or 8).
        """
        if kind == "expression":
            return self._expression_units(num_classes)
        if kind in ("action_units", "compound"):
            return self._label_units("AU" if kind == "action_units" else "compound")
        raise ValueError(f"kind must be expression, action_units or compound, got {kind!r}")

    def extra_au_units(self) -> tuple[list[tuple[int, int]], list[str]]:
        """AUs outside the canonical 12 (EmotioNet's AU5, AU9, AU17, AU20).

        Returns:
            ``(joint unit, index into names)`` pairs and the AU names, in unit order (an AU in
            several multilabel spaces is averaged over them, as :meth:`canonical` does).
        """
        names: list[str] = []
        units = []
        for space in self.spaces:
            if self.task.segment_kinds[space] != "multilabel":
                continue
            start = self.task.segments[space][0]
            for i, name in enumerate(self.labels_of(space)):
                if name in labels.ACTION_UNITS or not name.upper().startswith("AU"):
                    continue
                if name not in names:
                    names.append(name)
                units.append((start + i, names.index(name)))
        return units, names

    # ------------------------------------------------------------------------------------

    def _expression_units(self, num_classes: int) -> list[tuple[int, int]]:
        units = []
        for space in self.spaces:
            names = self.labels_of(space)
            if self.task.segment_kinds[space] != "multiclass":
                continue
            try:
                indices = [
                    labels.canonical_expression(name, num_classes=num_classes) for name in names
                ]
            except ValueError:
                continue  # not an expression space (e.g. compound emotions)
            start = self.task.segments[space][0]
            units += [(start + i, c) for i, c in enumerate(indices) if c >= 0]
        return units

    def _label_units(self, kind: str) -> list[tuple[int, int]]:
        targets = labels.ACTION_UNITS if kind == "AU" else labels.COMPOUND_EMOTIONS
        units = []
        for space in self.spaces:
            names = self.labels_of(space)
            if kind == "AU" and self.task.segment_kinds[space] != "multilabel":
                continue
            if kind == "compound" and not set(names) <= set(targets):
                continue
            start = self.task.segments[space][0]
            units += [(start + i, targets.index(n)) for i, n in enumerate(names) if n in targets]
        return units

    def _segment(self, space: str) -> tuple[int, int]:
        if space not in self.task.segments:
            raise ValueError(f"No label space {space!r}; the joint task has {self.spaces}")
        return self.task.segments[space]

    def _check(self, outputs: np.ndarray) -> np.ndarray:
        outputs = np.asarray(outputs, dtype=np.float64)
        if outputs.ndim != 2 or outputs.shape[-1] != self.task.size:
            raise ValueError(
                f"JointDecoder: expected outputs [N, {self.task.size}], got {outputs.shape}"
            )
        return outputs


def _joint_task(spec: OutputSpec) -> TaskSpec:
    joint = [task for task in spec if task.is_joint]
    if len(joint) != 1:
        raise ValueError(f"JointDecoder: the OutputSpec needs one joint task, it has {spec.names}")
    return joint[0]
