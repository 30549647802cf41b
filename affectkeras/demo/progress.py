"""Short progress lines for the demo: step headings with wall times, one line per epoch.

Example:
    >>> lines = []
    >>> callback = EpochLines(lines.append, epochs=2)
    >>> callback.on_epoch_begin(0)
    >>> callback.on_epoch_end(0, {"val_expr_f1": 0.25, "val_au_f1": 0.125, "val_va_ccc": 0.5,
    ...                           "val_mtl_p": 0.875})
    >>> lines[0].split("  (")[0]
    '  epoch  1/2  validation: expr F1 0.25  AU F1 0.12  VA CCC 0.50  mtl_p 0.88'
    >>> with Step(lines.append, 1, 5, "synth: drawing faces") as step:
    ...     pass
    >>> lines[1], lines[2].startswith("      done in"), step.seconds >= 0
    ('[1/5] synth: drawing faces', True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import keras

SCORES = (("expr F1", "val_expr_f1"), ("AU F1", "val_au_f1"), ("VA CCC", "val_va_ccc"))


class EpochLines(keras.callbacks.Callback):
    """Echoes the validation scores the run's ``ValidationScores`` put in each epoch's logs.

    Args:
        echo: called with each line.
        epochs: the run's number of epochs (for ``epoch k/N``).
    """

    def __init__(self, echo: Callable[[str], Any], epochs: int):
        super().__init__()
        self.echo = echo
        self.epochs = int(epochs)
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        logs = logs or {}
        parts = [f"{name} {float(logs[key]):.2f}" for name, key in SCORES if key in logs]
        if "val_mtl_p" in logs:
            parts.append(f"mtl_p {float(logs['val_mtl_p']):.2f}")
        seconds = time.perf_counter() - self._started
        scores = "  ".join(parts) if parts else "no validation scores"
        width = len(str(self.epochs))
        epoch_text = f"epoch {epoch + 1:{width + 1}d}/{self.epochs}"
        self.echo(f"  {epoch_text}  validation: {scores}  ({seconds:.1f} s)")


class Step:
    """A context manager that echoes ``[k/N] title`` on entry and the wall time on exit."""

    def __init__(self, echo: Callable[[str], Any], number: int, total: int, title: str):
        self.echo = echo
        self.heading = f"[{number}/{total}] {title}"
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> Step:
        self.echo(self.heading)
        self._started = time.perf_counter()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.seconds = time.perf_counter() - self._started
        if kind is None:
            self.echo(f"      done in {self.seconds:.1f} s")
