"""metrics.json dicts with their nested ``per_dataset`` scores flattened, for approx comparisons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flat_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``{"expr_f1": .., "per_dataset": {"rafdb": {"expr_f1": ..}}}`` ->
    ``{"expr_f1": .., "per_dataset/rafdb/expr_f1": ..}``."""
    flat = {key: value for key, value in metrics.items() if key != "per_dataset"}
    for dataset, scores in metrics.get("per_dataset", {}).items():
        flat.update({f"per_dataset/{dataset}/{key}": value for key, value in scores.items()})
    return flat
