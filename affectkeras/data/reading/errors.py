"""Errors raised on bad dataset files: every message names the file, and the line when known."""

from __future__ import annotations

import os


class DataFormatError(ValueError):
    """A dataset file does not follow its documented format.

    The message reads ``"<path>:<line>: <what is wrong>"`` (or ``"<path>: ..."`` when the problem
    is not on one line), so that a user can open the file at the right place.

    Attributes:
        path: the offending file or folder.
        line: 1-based line number, or None.
    """

    def __init__(self, path: str | os.PathLike, line: int | None, message: str) -> None:
        self.path = os.fspath(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
