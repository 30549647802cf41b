"""Which samples an epoch visits, in which order: shuffling, class balancing, dataset mixing.

A ``Sampler`` maps an epoch number to an int64 array of sample indices, reproducibly from
``(seed, epoch)``; the tf.data pipeline and the no-TensorFlow path consume the same array, so
both see the same order. Strategies:

- ``Sampler(n)``: every sample once, shuffled (or in order with ``shuffle=False``).
- ``Sampler.balanced(strata)``: seed 004's balanced emotion sampling. Each draw first picks a
  class (uniformly with ``power=1``; proportionally to its size with ``power=0``), then a sample
  of it, cycling through a shuffled permutation of the class so duplicates only appear once a
  class is exhausted. ``va_strata`` gives 2-D valence/arousal bins to balance VA data on.
- ``Sampler.mixed(groups, ratios, batch_size)``: multi-database training; every batch holds
  each group (a dataset, or one of seed 002's three task sets) in the given ratio exactly.
  With ``strata``, a group's share is drawn class-balanced as in ``balanced`` (seed 002
  balances expressions inside its EXPR and EXPR_VA sets and 2-D VA bins inside its VA set).
- ``Sampler.blocks(groups, batch_size)``: seed 000's Algorithm 1; the epoch visits group E,
  then A, then B, each shuffled and padded to whole batches so no batch mixes two groups.

Example:
    >>> import numpy as np
    >>> strata = np.array([0] * 900 + [1] * 100)
    >>> counts = np.bincount(strata[Sampler.balanced(strata, seed=0).indices(0)])
    >>> counts.sum(), bool(abs(counts[0] - counts[1]) < 100)  # about 500 each, not 900/100
    (np.int64(1000), True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from affectkeras import labels
from affectkeras.va_binning import va_to_bin


class Sampler:
    """Per-epoch sample orders, reproducible from ``(seed, epoch)``.

    Args:
        num_samples: the number of samples (rows, or windows) indices refer to.
        shuffle: shuffle every epoch (else the natural order).
        seed: base seed; epoch ``e`` uses ``numpy.random.default_rng([seed, e])``.
    """

    def __init__(self, num_samples: int, shuffle: bool = True, seed: int = 0) -> None:
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.shuffle = shuffle
        self._draw: Callable[[np.random.Generator], np.ndarray] = self._plain
        self.batch_size: int | None = None  # set by strategies whose batches are composed

    def _plain(self, rng: np.random.Generator) -> np.ndarray:
        order = np.arange(self.num_samples, dtype=np.int64)
        return rng.permutation(order) if self.shuffle else order

    def indices(self, epoch: int = 0) -> np.ndarray:
        """int64 [M]: the samples of epoch ``epoch``, in order."""
        return np.asarray(self._draw(np.random.default_rng([self.seed, int(epoch)])), np.int64)

    def __len__(self) -> int:
        return len(self.indices(0))

    # ---------------------------------------------------------------- strategies

    @classmethod
    def balanced(
        cls,
        strata: np.ndarray,
        num_draws: int | None = None,
        power: float = 1.0,
        seed: int = 0,
    ) -> Sampler:
        """Class-balanced draws: pick a stratum, then a sample of it.

        Args:
            strata: int [N] class (or bin) of each sample; negative = MISSING, never drawn.
            num_draws: draws per epoch (default: the number of samples with a stratum).
            power: 1 = strata equally likely; 0 = as frequent as in the data; in between,
                probability proportional to ``count ** (1 - power)``.
            seed: base seed.
        """
        strata = np.asarray(strata, dtype=np.int64)
        members = [np.flatnonzero(strata == s) for s in np.unique(strata[strata >= 0])]
        if not members:
            raise ValueError("Sampler.balanced: every sample's stratum is MISSING (< 0)")
        counts = np.array([len(m) for m in members], dtype=np.float64)
        probability = counts ** (1.0 - power)
        probability /= probability.sum()
        total = int(counts.sum()) if num_draws is None else int(num_draws)
        sampler = cls(len(strata), shuffle=True, seed=seed)
        sampler._draw = lambda rng: _stratified(rng, members, probability, total)
        return sampler

    @classmethod
    def mixed(
        cls,
        groups: Mapping[str, np.ndarray],
        ratios: Mapping[str, float],
        batch_size: int,
        num_batches: int | None = None,
        seed: int = 0,
        strata: Mapping[str, np.ndarray] | None = None,
    ) -> Sampler:
        """Batches composed of several groups in fixed ratios (multi-database mixing).

        Args:
            groups: name -> int indices of the group's samples.
            ratios: name -> relative share of each batch (need not sum to 1); every group
                named here must be in ``groups`` and non-empty.
            batch_size: samples per batch; group counts per batch are the ratios rounded by
                largest remainder, so they sum to ``batch_size``.
            num_batches: batches per epoch (default: all groups' samples / batch_size).
            seed: base seed.
            strata: name -> int [len(group)] class (or bin) of each member, >= 0: that
                group's draws pick a class uniformly, then a member of it (``balanced``);
                groups not named here are drawn member by member.
        """
        names = [name for name, ratio in ratios.items() if ratio > 0]
        for name in names:
            if name not in groups or len(groups[name]) == 0:
                raise ValueError(f"Sampler.mixed: group {name!r} has a ratio but no samples")
        if not names:
            raise ValueError(f"Sampler.mixed: no group has a positive ratio in {dict(ratios)}")
        share = np.array([ratios[n] for n in names], dtype=np.float64)
        share = share / share.sum() * batch_size
        counts = np.floor(share).astype(np.int64)
        counts[np.argsort(-(share - counts), kind="stable")[: batch_size - counts.sum()]] += 1
        members = [np.asarray(groups[n], dtype=np.int64) for n in names]
        total = sum(len(m) for m in members)
        batches = max(1, total // batch_size) if num_batches is None else int(num_batches)
        size = max(int(m.max()) for m in members) + 1
        sampler = cls(size, shuffle=True, seed=seed)
        sampler.batch_size = batch_size
        strata = dict(strata or {})
        unknown = sorted(set(strata) - set(groups))
        if unknown:
            raise ValueError(f"Sampler.mixed: strata for {unknown}, which are not groups")
        classes = [_classes(strata.get(n), m, n) for n, m in zip(names, members, strict=True)]

        def stream(rng: np.random.Generator, index: int, count: int) -> np.ndarray:
            if classes[index] is None:
                return _cycle(rng, members[index], count)
            uniform = np.full(len(classes[index]), 1.0 / len(classes[index]))
            return _stratified(rng, classes[index], uniform, count)

        def draw(rng: np.random.Generator) -> np.ndarray:
            streams = [stream(rng, i, c * batches) for i, c in enumerate(counts)]
            parts = [s.reshape(batches, c) for s, c in zip(streams, counts, strict=True)]
            order = np.concatenate(parts, axis=1)
            return rng.permuted(order, axis=1).reshape(-1)

        sampler._draw = draw
        return sampler

    @classmethod
    def blocks(
        cls,
        groups: Sequence[np.ndarray] | Mapping[str, np.ndarray],
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
    ) -> Sampler:
        """Group after group (seed 000's E, then A, then B), in whole batches.

        Each non-empty group is shuffled and its last partial batch is completed with extra
        random members of the same group, so a batch never mixes groups (E batches carry only
        expression weights, A batches only AU weights). Batch the stream with ``batch_size``.
        """
        members = [np.asarray(g, dtype=np.int64) for g in _values(groups) if len(g)]
        if not members:
            raise ValueError("Sampler.blocks: every group is empty")
        size = max(int(m.max()) for m in members) + 1
        sampler = cls(size, shuffle=shuffle, seed=seed)
        sampler.batch_size = batch_size

        def draw(rng: np.random.Generator) -> np.ndarray:
            parts = []
            for m in members:
                order = rng.permutation(m) if shuffle else m
                extra = (-len(m)) % batch_size
                parts.append(np.concatenate([order, rng.choice(m, extra)]))
            return np.concatenate(parts)

        sampler._draw = draw
        return sampler

    @classmethod
    def alternating(
        cls,
        groups: Sequence[np.ndarray] | Mapping[str, np.ndarray],
        batch_size: int,
        seed: int = 0,
    ) -> Sampler:
        """Whole batches taken from the groups in turn: g1, g2, ..., g1, g2, ...

        Seed 003's classical multi-task baseline (Pons & Masip, Fig. 1(b)) feeds the shared
        network batches of each dataset/task alternately. An epoch runs until the largest group
        is used up once; smaller groups are cycled (reshuffled on each pass) so the alternation
        holds to the end. Batch the stream with ``batch_size``.

        Example:
            >>> sampler = Sampler.alternating([np.arange(4), np.arange(10, 12)], batch_size=2)
            >>> order = sampler.indices(0).reshape(-1, 2)
            >>> [bool((batch >= 10).all()) for batch in order]
            [False, True, False, True]
        """
        members = [np.asarray(g, dtype=np.int64) for g in _values(groups) if len(g)]
        if not members:
            raise ValueError("Sampler.alternating: every group is empty")
        if batch_size < 1:
            raise ValueError(f"Sampler.alternating: batch_size must be >= 1, got {batch_size}")
        size = max(int(m.max()) for m in members) + 1
        rounds = max(-(-len(m) // batch_size) for m in members)
        sampler = cls(size, shuffle=True, seed=seed)
        sampler.batch_size = batch_size

        def draw(rng: np.random.Generator) -> np.ndarray:
            streams = [_cycle(rng, m, rounds * batch_size) for m in members]
            batches = [s.reshape(rounds, batch_size) for s in streams]
            return np.stack(batches, axis=1).reshape(-1)

        sampler._draw = draw
        return sampler


def _values(groups: Sequence[np.ndarray] | Mapping[str, np.ndarray]) -> list[np.ndarray]:
    return list(groups.values()) if isinstance(groups, Mapping) else list(groups)


def _classes(strata: np.ndarray | None, members: np.ndarray, name: str) -> list | None:
    """The members of each class of a group (None: the group is not stratified)."""
    if strata is None:
        return None
    strata = np.asarray(strata, np.int64)
    if strata.shape != members.shape or (strata < 0).any():
        raise ValueError(
            f"Sampler.mixed: group {name!r} needs one stratum >= 0 per member "
            f"({len(members)}), got shape {strata.shape}"
        )
    return [members[strata == s] for s in np.unique(strata)]


def _stratified(
    rng: np.random.Generator, members: list[np.ndarray], probability: np.ndarray, count: int
) -> np.ndarray:
    """``count`` draws: a class by ``probability``, then a member of it (cycled, no early
    repeats); the result is shuffled."""
    per_class = rng.multinomial(count, probability)
    chosen = [_cycle(rng, m, k) for m, k in zip(members, per_class, strict=True)]
    return rng.permutation(np.concatenate(chosen))


def _cycle(rng: np.random.Generator, members: np.ndarray, count: int) -> np.ndarray:
    """``count`` members: whole shuffled passes, then part of one more (no early repeats)."""
    passes = [rng.permutation(members) for _ in range(-(-count // len(members)))]
    return np.concatenate(passes)[:count] if passes else members[:0]


def expression_strata(table: pd.DataFrame) -> np.ndarray:
    """int64 [N]: the expression index of each row (-1 MISSING): balance on expressions."""
    return table["expression"].to_numpy(dtype=np.int64)


def va_strata(table: pd.DataFrame, bins: int = 10) -> np.ndarray:
    """int64 [N]: a 2-D valence x arousal bin per row (``bins`` per axis), -1 when MISSING.

    Example:
        >>> from affectkeras.data.table import make_table
        >>> t = make_table({"path": ["a", "b"], "split": "train", "valence": [-1.0, 0.9],
        ...                 "arousal": [0.0, -5.0]}, "afew-va")
        >>> va_strata(t, bins=2).tolist()
        [1, -1]
    """
    va = table[list(labels.VALENCE_AROUSAL)].to_numpy(dtype=np.float32)
    labelled = (va != labels.MISSING_VA).all(axis=1)
    index = va_to_bin(va, bins)
    return np.where(labelled, index[:, 0] * bins + index[:, 1], -1).astype(np.int64)


def dataset_groups(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Row indices per value of the ``dataset`` column (for ``Sampler.mixed``)."""
    return {
        str(name): np.asarray(rows, np.int64)
        for name, rows in table.groupby("dataset", sort=True).indices.items()
    }
