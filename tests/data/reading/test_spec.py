"""Data SPEC strings: DATASET:PATH?key=value&key=value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import affectkeras
from affectkeras.data.reading.spec import parse_spec


def test_dataset_path_and_options_are_parsed():
    spec = parse_spec("AffWild2:/data/aw2?split=train,validation&classes=7")
    assert spec.dataset == "affwild2"
    assert spec.path == Path("/data/aw2")
    assert spec.options == {"split": "train,validation", "classes": "7"}
    assert spec.splits() == ("train", "validation") and spec.num_classes() == 7


def test_relative_and_home_paths_become_absolute():
    assert parse_spec("fer2013:data/fer").path == Path(os.getcwd()) / "data" / "fer"
    assert parse_spec("fer2013:~/fer").path == Path.home() / "fer"


def test_option_values_are_url_unquoted():
    spec = parse_spec("fer2013:/x?cache=/tmp/a%26b%3Fc")
    assert spec.path_option("cache") == Path("/tmp/a&b?c")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fer2013", "DATASET:PATH"),
        (":/data", "DATASET:PATH"),
        ("fer2013:", "DATASET:PATH"),
        ("fer2013:/x?split", "key=value"),
        ("fer2013:/x?split=train&split=test", "given twice"),
        ("fer2013:/x?=3", "key=value"),
    ],
)
def test_malformed_specs_are_value_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_spec(text)


def test_typed_options_reject_bad_values_naming_option_and_spec():
    with pytest.raises(ValueError, match=r"classes='9'"):
        parse_spec("fer2013:/x?classes=9").num_classes()
    with pytest.raises(ValueError, match="canonical splits"):
        parse_spec("fer2013:/x?split=val").splits()
    with pytest.raises(ValueError, match="true or false"):
        parse_spec("ckplus:/x?neutral_first_frame=maybe").flag("neutral_first_frame", False)
    assert parse_spec("ckplus:/x?neutral_first_frame=YES").flag("neutral_first_frame", False)


def test_unknown_dataset_lists_the_readers(tmp_path):
    with pytest.raises(ValueError, match=r"readers available: .*fer2013"):
        affectkeras.data.read(f"nosuchset:{tmp_path}")


def test_unknown_option_names_it_and_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match=r"unknown option\(s\) contempt for fer2013; valid: "):
        affectkeras.data.read(f"fer2013:{tmp_path}?contempt=other")


def test_empty_list_of_specs_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        affectkeras.data.read([])
