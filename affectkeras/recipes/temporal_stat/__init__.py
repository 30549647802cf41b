"""Seed 004 (Do et al.): the ``temporal_stat`` recipe and its parts.

- ``recipe``: :class:`TemporalStat`, the frame stage, the Table I variants and their fusion;
- ``config``: :class:`TemporalStatConfig`, the paper's defaults and keys;
- ``stages``: the frame-model stage and one Table I variant's stage (eq. 4).
"""

from affectkeras.recipes.temporal_stat.config import TemporalStatConfig
from affectkeras.recipes.temporal_stat.recipe import TemporalStat

__all__ = ["TemporalStat", "TemporalStatConfig"]
