"""Bookkeeping of the samples a reader dropped, with reasons and example paths."""

from __future__ import annotations

import logging
from collections import Counter

logger = logging.getLogger("affectkeras.data")

MAX_EXAMPLES = 5


class SkipReport:
    """Counts dropped samples per reason and keeps a few example paths of each.

    Example:
        >>> report = SkipReport()
        >>> report.add("missing_image", ["/data/v1/00003.jpg"])
        >>> report.total, dict(report.counts)
        (1, {'missing_image': 1})
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self._seen: set[tuple[str, str]] = set()

    def add(
        self, reason: str, paths: list[str], count: int | None = None, once: bool = False
    ) -> None:
        """Records ``count`` (default ``len(paths)``) samples dropped for ``reason``.

        With ``once``, a path already recorded for ``reason`` is not counted again (a bad image
        met in every epoch counts once per run).
        """
        if once:
            paths = [p for p in paths if (reason, p) not in self._seen]
            self._seen.update((reason, p) for p in paths)
        count = len(paths) if count is None else count
        if count <= 0:
            return
        self.counts[reason] += count
        kept = self.examples.setdefault(reason, [])
        kept.extend(paths[: MAX_EXAMPLES - len(kept)])

    def merge(self, other: SkipReport) -> None:
        for reason, count in other.counts.items():
            self.add(reason, other.examples.get(reason, []), count)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def log(self, source: str) -> None:
        """Logs one warning line per reason, with up to five example paths."""
        for reason, count in sorted(self.counts.items()):
            examples = ", ".join(self.examples.get(reason, []))
            logger.warning(
                "%s: skipped %d sample(s): %s (e.g. %s)", source, count, reason, examples
            )
