"""Every loss keeps the registered name and the exact config it had before the losses became pure
functions + thin classes (issue 20), so models compiled and saved before still load.

The dict literals are what each class's ``get_config()`` returned at commit ccf6fea; they are
compared as JSON (what a ``.keras`` file stores), so ``1`` vs ``1.0`` or ``True`` vs ``1`` count.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from affectkeras import losses

CONFIGS = [
    (losses.FocalCrossEntropy(), "affectkeras.losses.focal", {
        "name": "focal_cross_entropy", "alpha": 2.0, "gamma": 0.25, "from_logits": False}),
    (losses.FocalCrossEntropy(alpha=[1, 2], gamma=1, from_logits=1, name="f"),
     "affectkeras.losses.focal", {
        "name": "f", "alpha": [1.0, 2.0], "gamma": 1.0, "from_logits": True}),
    (losses.BinaryFocalCrossEntropy(), "affectkeras.losses.focal", {
        "name": "binary_focal_cross_entropy", "gamma": 1.0, "alpha": None, "from_logits": False}),
    (losses.BinaryFocalCrossEntropy(gamma=2, alpha=0.25, from_logits=True),
     "affectkeras.losses.focal", {
        "name": "binary_focal_cross_entropy", "gamma": 2.0, "alpha": 0.25, "from_logits": True}),
    (losses.MaskedBinaryCrossentropy(), "affectkeras.losses.masked", {
        "name": "masked_binary_crossentropy", "from_logits": False}),
    (losses.WeightedCrossEntropy(), "affectkeras.losses.weighted_ce", {
        "name": "weighted_cross_entropy", "class_weights": None, "from_logits": False}),
    (losses.WeightedCrossEntropy([1, 2]), "affectkeras.losses.weighted_ce", {
        "name": "weighted_cross_entropy", "class_weights": [1.0, 2.0], "from_logits": False}),
    (losses.SelectiveSigmoidCrossEntropy(), "affectkeras.losses.selective", {
        "name": "selective_sigmoid_cross_entropy", "from_logits": False}),
    (losses.CCCLoss(), "affectkeras.losses.ccc", {
        "name": "ccc_loss", "dimension_weights": None}),
    (losses.CCCLoss((0.4, 0.6)), "affectkeras.losses.ccc", {
        "name": "ccc_loss", "dimension_weights": [0.4, 0.6]}),
    (losses.VABinsLoss(), "affectkeras.losses.va_bins", {
        "name": "va_bins_loss", "bins": 20, "ccc_divisor": 1.0}),
    (losses.VABinsLoss(8, "batch"), "affectkeras.losses.va_bins", {
        "name": "va_bins_loss", "bins": 8, "ccc_divisor": "batch"}),
    (losses.VABinsLoss(8, 4), "affectkeras.losses.va_bins", {
        "name": "va_bins_loss", "bins": 8, "ccc_divisor": 4.0}),
    (losses.DistillationKL(), "affectkeras.losses.distillation", {
        "name": "distillation_kl", "temperature": 1.5, "from_logits": False,
        "scale_by_temperature_squared": False}),
    (losses.DistillationKL(2, True, True), "affectkeras.losses.distillation", {
        "name": "distillation_kl", "temperature": 2.0, "from_logits": True,
        "scale_by_temperature_squared": True}),
    (losses.PairedDistillationKL(), "affectkeras.losses.paired_distillation", {
        "name": "paired_distillation_kl", "temperature": 1.5, "event_ndim": 1,
        "scale_by_temperature_squared": False}),
    (losses.PairedDistillationKL(3, 2, True), "affectkeras.losses.paired_distillation", {
        "name": "paired_distillation_kl", "temperature": 3.0, "event_ndim": 2,
        "scale_by_temperature_squared": True}),
    (losses.VectorMSE(), "affectkeras.losses.temporal_stat", {"name": "vector_mse"}),
    (losses.CCCMSELoss(), "affectkeras.losses.temporal_stat", {
        "name": "ccc_mse_loss", "valence_weight": 0.4, "arousal_weight": 0.4, "mse_weight": 0.2}),
    (losses.CCCMSELoss(0.5, 0.3, 0.2), "affectkeras.losses.temporal_stat", {
        "name": "ccc_mse_loss", "valence_weight": 0.5, "arousal_weight": 0.3, "mse_weight": 0.2}),
]  # fmt: skip
CASES = [
    pytest.param(loss, module, config, id=f"{type(loss).__name__}-{index}")
    for index, (loss, module, config) in enumerate(CONFIGS)
]


def as_saved(config):
    return json.dumps(config, sort_keys=True)


def test_every_loss_class_has_a_config_case():
    classes = {
        name
        for name in losses.__all__
        if isinstance(getattr(losses, name), type)
        and issubclass(getattr(losses, name), keras.losses.Loss)
        and keras.saving.get_registered_object(f"affectkeras>{name}") is not None
    }
    assert classes == {type(loss).__name__ for loss, _, _ in CONFIGS}
    assert len(classes) == 11


@pytest.mark.parametrize(("loss", "module", "config"), CASES)
def test_config_is_unchanged_and_round_trips(loss, module, config):
    cls = type(loss)
    assert keras.saving.get_registered_name(cls) == f"affectkeras>{cls.__name__}"
    assert as_saved(loss.get_config()) == as_saved(config)
    again = cls.from_config(loss.get_config())
    assert type(again) is cls and as_saved(again.get_config()) == as_saved(config)


@pytest.mark.parametrize(("loss", "module", "config"), CASES)
def test_a_loss_serialized_by_the_previous_code_deserializes(loss, module, config):
    # The compile_config of a .keras file holds this dict for each loss.
    saved = {
        "module": module,
        "class_name": type(loss).__name__,
        "config": config,
        "registered_name": f"affectkeras>{type(loss).__name__}",
    }
    assert as_saved(keras.losses.serialize(loss)) == as_saved(saved)
    loaded = keras.losses.deserialize(saved)
    assert type(loaded) is type(loss) and as_saved(loaded.get_config()) == as_saved(config)


def test_wrapper_arguments_are_attributes_and_errors_name_the_loss():
    loss = losses.WeightedCrossEntropy([1.0, 2.0], name="expression_ce")
    assert loss.class_weights == [1.0, 2.0] and loss.arguments["from_logits"] is False
    with pytest.raises(ValueError, match=r"^expression_ce: 2 class weights for predictions of"):
        loss(np.array([0]), np.full((1, 7), 1 / 7, np.float32))
    with pytest.raises(ValueError, match="'reduction' shadows an attribute"):
        losses.MaskedLossWrapper(losses.ccc_loss, name="x", reduction="sum")
