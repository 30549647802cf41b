"""``affectkeras.data.read``: data SPEC strings in, one sample table out."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from affectkeras.data.readers import get_reader
from affectkeras.data.reading.spec import DataSpec, parse_spec
from affectkeras.data.skips import SkipReport
from affectkeras.data.table import concat_tables, expression_classes, summarize

logger = logging.getLogger("affectkeras.data")


def read(spec: str | DataSpec | Sequence[str | DataSpec]) -> pd.DataFrame:
    """Reads one dataset, or several as one multi-database table.

    Args:
        spec: ``"DATASET:PATH[?key=value&...]"`` (see ../shared/SPEC.md, "Data specs"), or a
            list of them. Every reader accepts ``split=`` (comma-separated canonical splits);
            the others are documented per reader (``affectkeras.data.list_readers()``).

    Returns:
        The sample table (``affectkeras.data.table``): canonical labels, MISSING sentinels,
        ``attrs["skipped"]`` counting rows dropped because their image is missing.

    Raises:
        ValueError: an unknown dataset or option, or a file that breaks its format (the message
            names the file and line).
        FileNotFoundError: the PATH does not exist.

    Example:
        >>> import affectkeras
        >>> table = affectkeras.data.read(  # doctest: +SKIP
        ...     ["fer2013:/data/fer2013?split=train", "affwild2:/data/Aff-Wild2"])
        >>> table.groupby(["dataset", "split"]).size()  # doctest: +SKIP
    """
    specs = [spec] if isinstance(spec, (str, DataSpec)) else list(spec)
    if not specs:
        raise ValueError("affectkeras.data.read needs at least one data spec")
    tables = [read_one(item) for item in specs]
    table = tables[0] if len(tables) == 1 else concat_tables(tables)
    summary = summarize(table)
    logger.info(
        "read %d rows: %s; %d skipped",
        summary["rows"],
        ", ".join(f"{k} {v}" for k, v in summary["by_dataset_split"].items()),
        summary["skipped"],
    )
    return table


def read_one(spec: str | DataSpec) -> pd.DataFrame:
    """Reads one data spec (see ``read``)."""
    parsed = parse_spec(spec)
    reader = get_reader(parsed.dataset)
    unknown = sorted(set(parsed.options) - set(reader.all_options))
    if unknown:
        raise ValueError(
            f"Data spec {parsed}: unknown option(s) {', '.join(unknown)} for {reader.name}; "
            f"valid: {', '.join(sorted(reader.all_options))}"
        )
    wanted = parsed.splits()
    skips = SkipReport()
    table = reader.read(parsed, skips)
    if wanted is not None:
        attrs = dict(table.attrs)
        present = attrs.get("available_splits") or sorted(set(table["split"]))
        table = table[table["split"].isin(wanted)].reset_index(drop=True)
        table.attrs = attrs
        if table.empty and not set(wanted) & set(present):
            raise ValueError(
                f"Data spec {parsed}: no samples in split(s) {', '.join(wanted)}; "
                f"the data has {', '.join(present) or 'none'}"
            )
    if table.empty:
        raise ValueError(f"Data spec {parsed}: no samples; {_why_empty(skips)}")
    table.attrs["skipped"] = skips.total
    table.attrs["skipped_by_reason"] = dict(skips.counts)
    table.attrs["skipped_examples"] = {k: list(v) for k, v in skips.examples.items()}
    skips.log(str(parsed))
    return table


def _why_empty(skips: SkipReport) -> str:
    if not skips.total:
        return "no labelled sample was found (are the annotation files for the right task?)"
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(skips.counts.items()))
    examples = next(iter(skips.examples.values()), [])
    return f"every sample was skipped ({reasons}), e.g. {examples[0] if examples else '?'}"


def read_datasets(specs: Sequence[str]) -> pd.DataFrame:
    """Reads each spec; two specs of one reader (two ``csv:`` sets) get distinct dataset names
    (``csv``, ``csv_2``), since seed 003's label sets are per dataset.

    ``attrs["dataset_classes"]`` records each dataset's expression space (7 or 8).
    """
    if not specs:
        raise ValueError("No --data given")
    tables, seen, classes = [], {}, {}
    for spec in specs:
        table = read_one(spec)
        space = expression_classes(table)
        names = table["dataset"].astype(str).unique().tolist()
        renamed = {}
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                renamed[name] = f"{name}_{seen[name]}"
        if renamed:
            table = table.assign(dataset=table["dataset"].astype(str).replace(renamed))
        for name in table["dataset"].astype(str).unique():
            classes[name] = space
        tables.append(table)
    result = tables[0] if len(tables) == 1 else concat_tables(tables)
    result.attrs["dataset_classes"] = classes
    return result
