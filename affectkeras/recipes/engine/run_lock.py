"""The lock of a run directory: one training process writes into a RUN_DIR at a time.

``RUN_DIR/.lock`` is held (an exclusive, non-blocking ``flock``; ``msvcrt.locking`` on
Windows) for the life of ``train`` and names its holder as JSON (``pid``, ``host``,
``started``). A second run into the same folder is refused at once with a ``RunLocked`` error
(a ``ValueError``: the CLI prints one line and exits 2) naming the holder, before any data or
model is loaded. The operating system drops the lock when its process dies, however it dies,
so a lock left by a killed run is stale by construction: the next run takes it over and says
whose it was.

Only one process of a run should take the lock (under multi-process training, the chief);
the others simply do not call :func:`hold_run_lock`.

Example:
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with hold_run_lock(folder):
    ...     try:
    ...         with hold_run_lock(folder):
    ...             pass
    ...     except RunLocked as error:
    ...         print("refused")
    refused
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger("affectkeras.recipes")

LOCK_FILE = ".lock"


class RunLocked(ValueError):
    """Another live process holds the run directory's lock."""


@contextlib.contextmanager
def hold_run_lock(run_path: str | Path) -> Iterator[Path]:
    """Holds ``run_path/.lock`` for the ``with`` block (creating ``run_path``).

    Raises:
        RunLocked: another process holds it (the message names its pid, host and start time).
        OSError: the folder cannot be written (read-only, full), with its path.
    """
    path = Path(run_path) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(handle):
            raise RunLocked(
                f"{path.parent}: another run is writing here ({describe(read_holder(path))}); "
                "wait for it to end, or choose another --out"
            )
        previous = read_holder(path)
        if previous and previous.get("pid") != os.getpid():
            logger.warning(
                "%s: taking over the lock of a run that ended without releasing it (%s)",
                path.parent,
                describe(previous),
            )
        _write_holder(handle)
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(handle, 0)  # released: no holder named
            _unlock(handle)
    finally:
        os.close(handle)


def read_holder(path: str | Path) -> dict[str, Any]:
    """The holder a lock file names (``{}`` for an empty or unreadable one)."""
    try:
        holder = json.loads(Path(path).read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def describe(holder: dict[str, Any]) -> str:
    """``pid 123 on host, since 2024-01-01 12:00:00`` (what is known of it)."""
    if not holder:
        return "holder unknown"
    started = holder.get("started")
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if started else "?"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, since {since}"


def _write_holder(handle: int) -> None:
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    os.ftruncate(handle, 0)
    os.lseek(handle, 0, os.SEEK_SET)
    os.write(handle, json.dumps(holder).encode())


try:  # POSIX
    import fcntl

    def _try_lock(handle: int) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(handle: int) -> bool:
        try:
            os.lseek(handle, 0, os.SEEK_SET)
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: int) -> None:
        os.lseek(handle, 0, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)
