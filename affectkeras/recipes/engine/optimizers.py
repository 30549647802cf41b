"""Optimiser and learning-rate schedule from a config (``optimizer``, ``schedule`` keys).

Example:
    >>> from affectkeras.recipes.engine.config import TrainConfig
    >>> config = TrainConfig(optimizer="sgd", learning_rate=0.05, schedule="exponential",
    ...                      decay_steps=10, decay_rate=0.5)
    >>> optimizer = build_optimizer(config, total_steps=100)
    >>> type(optimizer).__name__, round(float(optimizer.learning_rate), 6)
    ('SGD', 0.05)
    >>> round(float(learning_rate_schedule(config, 100)(25)), 4)  # two decays: 0.05 * 0.5 ** 2
    0.0125
"""

from __future__ import annotations

import keras

from affectkeras.recipes.engine.config import TrainConfig


def learning_rate_schedule(
    config: TrainConfig, total_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """``constant``: the rate; ``cosine``: annealed to 0 over ``total_steps``;
    ``exponential``: ``rate * decay_rate ** floor(step / decay_steps)`` (staircase)."""
    rate = float(config.learning_rate)
    if config.schedule == "constant":
        return rate
    if config.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(rate, decay_steps=max(1, int(total_steps)))
    return keras.optimizers.schedules.ExponentialDecay(
        rate,
        decay_steps=int(config.decay_steps),
        decay_rate=float(config.decay_rate),
        staircase=True,
    )


def build_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.Optimizer:
    """The config's optimiser with its schedule (``weight_decay`` 0 = none)."""
    rate = learning_rate_schedule(config, total_steps)
    decay = float(config.weight_decay) or None
    if config.optimizer == "adam":
        return keras.optimizers.Adam(rate, weight_decay=decay)
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(rate, weight_decay=decay or 0.0)
    return keras.optimizers.SGD(rate, momentum=float(config.momentum), weight_decay=decay)
