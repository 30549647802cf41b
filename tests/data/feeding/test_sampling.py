"""Balance statistics and composition of the samplers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from affectkeras.data.feeding.sampling import Sampler, dataset_groups, va_strata
from affectkeras.data.table import concat_tables, make_table

# A long-tailed expression distribution like Aff-Wild2's (neutral >> fear).
COUNTS = np.array([4000, 600, 150, 100, 1500, 900, 250])
STRATA = np.repeat(np.arange(7), COUNTS)


def test_plain_sampler_visits_every_sample_once_and_reshuffles_per_epoch():
    sampler = Sampler(50, seed=4)
    first, second = sampler.indices(0), sampler.indices(1)
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, Sampler(50, seed=4).indices(0))  # reproducible
    np.testing.assert_array_equal(Sampler(5, shuffle=False).indices(3), np.arange(5))


def test_balanced_sampler_draws_classes_uniformly_chi_square():
    sampler = Sampler.balanced(STRATA, seed=0)
    for epoch in range(3):
        drawn = STRATA[sampler.indices(epoch)]
        counts = np.bincount(drawn, minlength=7)
        assert counts.sum() == len(STRATA)
        # H0: uniform over classes. The data itself (neutral 53 %) would fail this by far.
        assert stats.chisquare(counts).pvalue > 0.001
        assert stats.chisquare(COUNTS).pvalue < 1e-100
        assert abs(counts / counts.sum() - 1 / 7).max() < 0.02


def test_balanced_power_zero_keeps_the_data_distribution():
    drawn = STRATA[Sampler.balanced(STRATA, power=0.0, seed=1).indices(0)]
    counts = np.bincount(drawn, minlength=7)
    assert stats.chisquare(counts, COUNTS * counts.sum() / COUNTS.sum()).pvalue > 0.001


def test_balanced_sampler_repeats_rare_samples_only_after_using_them_all():
    drawn = Sampler.balanced(STRATA, seed=2).indices(0)
    fear = drawn[STRATA[drawn] == 3]  # 100 samples, ~1070 draws
    counts = np.bincount(fear, minlength=len(STRATA))[STRATA == 3]
    assert counts.max() - counts.min() <= 1  # whole passes before any repeat
    neutral = drawn[STRATA[drawn] == 0]  # 4000 samples, ~1070 draws: no duplicates
    assert len(np.unique(neutral)) == len(neutral)


def test_balanced_sampler_never_draws_missing_and_rejects_all_missing():
    strata = np.array([-1, -1, 0, 1, 1])
    assert set(Sampler.balanced(strata, num_draws=100).indices(0)) <= {2, 3, 4}
    with pytest.raises(ValueError, match="MISSING"):
        Sampler.balanced(np.array([-1, -1]))


def test_mixed_batches_hold_each_dataset_in_its_ratio_exactly():
    table = concat_tables(
        [
            make_table({"path": [f"a{i}" for i in range(500)], "split": "train"}, "affwild2"),
            make_table({"path": [f"e{i}" for i in range(40)], "split": "train"}, "expw"),
            make_table({"path": [f"f{i}" for i in range(70)], "split": "train"}, "afew-va"),
        ]
    )
    groups = dataset_groups(table)
    sampler = Sampler.mixed(
        groups, {"affwild2": 2, "expw": 1, "afew-va": 1}, batch_size=10, num_batches=30, seed=0
    )
    order = sampler.indices(0).reshape(30, 10)
    datasets = table["dataset"].to_numpy()[order]
    for batch in datasets:
        counts = {name: int((batch == name).sum()) for name in groups}
        assert counts == {"affwild2": 5, "expw": 3, "afew-va": 2} or counts == {
            "affwild2": 5,
            "expw": 2,
            "afew-va": 3,
        }
    assert (datasets == "expw").sum() in (60, 90)
    # the small set is cycled through whole passes
    expw = np.bincount(order[datasets == "expw"] - 500, minlength=40)
    assert expw.max() - expw.min() <= 1


def test_mixed_rejects_a_ratio_without_samples():
    with pytest.raises(ValueError, match="expw"):
        Sampler.mixed({"affwild2": np.arange(3)}, {"affwild2": 1, "expw": 1}, batch_size=4)


def test_blocks_are_pure_whole_batches_in_group_order():
    groups = {"E": np.arange(0, 23), "A": np.arange(23, 30), "B": np.arange(30, 70)}
    sampler = Sampler.blocks(groups, batch_size=8, seed=0)
    order = sampler.indices(0)
    assert len(order) == 24 + 8 + 40
    label = np.digitize(order, [23, 30])
    batches = label.reshape(-1, 8)
    assert all(len(set(batch)) == 1 for batch in batches)
    assert [b[0] for b in batches] == [0, 0, 0, 1, 2, 2, 2, 2, 2]
    for g, rows in enumerate(groups.values()):
        assert set(order[label == g]) == set(rows)  # every member visited


def test_va_strata_bins_both_axes():
    table = make_table(
        {
            "path": list("abcd"),
            "split": "train",
            "valence": [-0.9, 0.9, 0.9, -5],
            "arousal": [-0.9, -0.9, 0.9, 0.5],
        },
        "afew-va",
    )
    assert va_strata(table, bins=2).tolist() == [0, 2, 3, -1]


def test_alternating_batches_take_turns_and_cycle_the_smaller_group():
    groups = [np.arange(0, 10), np.arange(100, 104)]
    sampler = Sampler.alternating(groups, batch_size=4, seed=3)
    batches = sampler.indices(0).reshape(-1, 4)
    assert len(batches) == 6  # 3 rounds: the large group's ceil(10 / 4)
    owner = [int(batch[0] >= 100) for batch in batches]
    assert owner == [0, 1, 0, 1, 0, 1]
    assert all(len({int(b >= 100) for b in batch}) == 1 for batch in batches)  # never mixed
    first = batches[::2].reshape(-1)
    assert set(first[:10]) == set(range(10))  # a full pass before any repeat
    second = batches[1::2].reshape(-1)
    assert np.bincount(second - 100).tolist() == [3, 3, 3, 3]  # cycled evenly
    assert not np.array_equal(sampler.indices(1), sampler.indices(0))
    with pytest.raises(ValueError, match="every group is empty"):
        Sampler.alternating([np.zeros(0, np.int64)], batch_size=2)


def test_mixed_with_strata_balances_one_group_and_keeps_the_ratios():
    """A stratified group draws its classes uniformly (chi-square); the other keeps its own
    members' uniform draws; every batch still holds the ratios exactly."""
    groups = {"a": np.arange(0, 100), "b": np.arange(100, 130)}
    classes = np.array([0] * 90 + [1] * 9 + [2])
    sampler = Sampler.mixed(
        groups, {"a": 2, "b": 1}, 6, num_batches=300, seed=0, strata={"a": classes}
    )
    order = sampler.indices(0)
    assert ((order.reshape(-1, 6) < 100).sum(axis=1) == 4).all()
    drawn = np.bincount(classes[order[order < 100]], minlength=3)
    assert stats.chisquare(drawn).pvalue > 1e-3
    np.testing.assert_array_equal(order, sampler.indices(0))  # reproducible
    with pytest.raises(ValueError, match="group 'a' needs one stratum >= 0 per member"):
        Sampler.mixed(groups, {"a": 1}, 4, strata={"a": classes[:5]})
