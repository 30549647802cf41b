"""Canonical label spaces, sentinels and the datasets' label maps (FORMATS.md, written out here)."""

from __future__ import annotations

import pytest

from affectkeras import labels

CANONICAL_8 = ["neutral", "anger", "disgust", "fear", "happiness", "sadness", "surprise", "other"]


def test_expression_spaces_follow_affwild2_order():
    assert list(labels.EXPRESSIONS) == CANONICAL_8
    assert list(labels.expression_names(7)) == CANONICAL_8[:7]
    assert labels.expression_index("surprise", 7) == 6


def test_action_units_and_sentinels_are_the_specified_ones():
    assert list(labels.ACTION_UNITS) == [
        f"AU{n}" for n in (1, 2, 4, 6, 7, 10, 12, 15, 23, 24, 25, 26)
    ]
    assert (labels.MISSING_EXPRESSION, labels.MISSING_AU, labels.MISSING_VA) == (-1, -1, -5.0)


def test_compound_emotions_in_table_4_order_with_their_components():
    assert list(labels.COMPOUND_EMOTIONS) == [
        "angrily_disgusted",
        "angrily_surprised",
        "fearfully_angry",
        "fearfully_surprised",
        "happily_disgusted",
        "happily_surprised",
        "sadly_angry",
        "sadly_disgusted",
    ]
    for name, parts in labels.COMPOUND_COMPONENTS.items():
        adverb, adjective = name.split("_")
        assert all(part in CANONICAL_8[:7] for part in parts)
        assert parts[0][:3] == adverb[:3]  # angrily -> anger, happily -> happiness, ...
        assert parts[1][:3] == adjective[:3]  # disgusted -> disgust, angry -> anger


# Each dataset's codes as FORMATS.md prints them, mapped by hand to the canonical index.
EXPECTED_CODES = {
    "fer2013": {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 0},
    "expw": {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 0},
    "rafdb": {1: 6, 2: 3, 3: 2, 4: 4, 5: 5, 6: 1, 7: 0},
    "affectnet": {0: 0, 1: 4, 2: 5, 3: 6, 4: 3, 5: 2, 6: 1, 7: -1, 8: -1, 9: -1, 10: -1},
    "ckplus": {0: 0, 1: 1, 2: -1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6},
    "affwild2": {i: i for i in range(8)},
}


@pytest.mark.parametrize("dataset", sorted(EXPECTED_CODES))
def test_dataset_codes_map_to_the_canonical_index(dataset):
    codes = labels.DATASET_EXPRESSION_CODES[dataset]
    assert set(codes) == set(EXPECTED_CODES[dataset])
    for code, native in codes.items():
        assert labels.canonical_expression(native, 8) == EXPECTED_CODES[dataset][code], native


def test_contempt_is_missing_by_default_other_on_request_and_never_in_7_classes():
    assert labels.canonical_expression("Contempt") == -1
    assert labels.canonical_expression("contempt", 8, contempt="other") == 7
    assert labels.canonical_expression("contempt", 7, contempt="other") == -1


def test_other_is_missing_in_the_seven_class_space():
    assert labels.canonical_expression("other", 8) == 7
    assert labels.canonical_expression("Other", 7) == -1


@pytest.mark.parametrize("bad", ["joy", "", "AU12"])
def test_unknown_native_label_is_an_error_naming_it(bad):
    with pytest.raises(ValueError, match=repr(bad)):
        labels.canonical_expression(bad)


def test_bad_class_count_and_contempt_policy_are_errors():
    with pytest.raises(ValueError, match="7 or 8"):
        labels.expression_names(6)
    with pytest.raises(ValueError, match="contempt"):
        labels.canonical_expression("happy", contempt="drop")


def test_label_space_validation_and_config_round_trip():
    with pytest.raises(ValueError, match="repeats"):
        labels.LabelSpace("x", "multiclass", ("a", "a"))
    with pytest.raises(ValueError, match="kind"):
        labels.LabelSpace("x", "ordinal", ("a",))
    space = labels.get_label_space("emotionet_au")
    assert space.size == 11 and labels.LabelSpace.from_config(space.to_config()) == space
    with pytest.raises(ValueError, match="Unknown label space"):
        labels.get_label_space("nope")


def test_prototypes_only_use_canonical_aus():
    for expression, aus in labels.PROTOTYPE_AUS.items():
        assert expression in CANONICAL_8
        assert set(aus) <= set(labels.ACTION_UNITS)
