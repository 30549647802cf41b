"""The Python example of docs/inference.md runs as written; its CSV header is SPEC.md's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from affectkeras.inference.columns import PREDICT_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "inference.md"
TEXT = DOC.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def test_the_doc_shows_the_csv_header_and_its_images_exist():
    header = re.search(r"```text\n(image,frame.*?)```", TEXT, flags=re.S).group(1)
    assert "".join(header.split()) == ",".join(PREDICT_COLUMNS)
    for image in re.findall(r"\]\((images/[^)]+)\)", TEXT):
        assert (DOC.parent / image).stat().st_size < 150_000, image


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"{DOC.name} example {index}", "exec"), {})
    assert (tmp_path / "clip_timeline.png").is_file()
    assert (tmp_path / "clip_circumplex.png").is_file()
