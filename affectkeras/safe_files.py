"""Writing files so that a kill, a full disk or a read-only folder never costs a user their work.

Every file affectkeras writes for a user (``model.keras``, the training state, ``metrics.json``,
``config.yaml``, exports) is written to a temporary name in the same folder and renamed over the
final one, so a reader sees the old file or the new one, never half of one. :func:`write_atomically`
also ``fsync``\\ s the file and its folder where the training state depends on it (``durable``).

A write that fails for want of space or permission becomes one :class:`WriteError` (an
``OSError``: the CLI prints one line and exits 2) that names the final path; the temporary file is
removed first, so a rerun works once space is freed.

This module imports nothing of affectkeras: every layer may use it.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "state.bin"
    >>> write_atomically(path, b"epoch 3")
    >>> path.read_bytes(), sorted(p.name for p in path.parent.iterdir())
    (b'epoch 3', ['state.bin'])
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO}
DISK_MESSAGES = {
    "no space left": errno.ENOSPC,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
    "disk quota": errno.EDQUOT,
}

KILL_AT_ENV = "AFFECTKERAS_KILL_AT"
"""Test hook: ``POINT`` or ``POINT:EPOCH`` (1-based) where :func:`kill_point` SIGKILLs the
process (the fault-injection tests); unset in normal use."""


class WriteError(OSError):
    """A file could not be written (full disk, read-only folder); the message names it."""

    def __str__(self) -> str:  # the message alone, without OSError's "[Errno N]" prefix
        return str(self.strerror) if self.strerror else super().__str__()


def temporary_name(path: str | Path, suffix: str = "") -> Path:
    """``folder/.NAME.tmpPID<suffix>``: a hidden name in the same folder (same file system)."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp{os.getpid()}{suffix}")


def write_atomically(
    path: str | Path,
    data: bytes | str,
    durable: bool = False,
    halfway: Callable[[], None] | None = None,
) -> None:
    """Writes ``data`` to ``path`` through a temporary file and a rename.

    Args:
        path: the final file.
        data: its content (text is UTF-8 encoded).
        durable: ``fsync`` the file before the rename and the folder after it (the file must
            survive a power cut, not only a kill).
        halfway: called with half of the data written (the fault-injection tests' kill point).

    Raises:
        WriteError: no space, read-only, no permission (the temporary file removed).
    """
    path = Path(path)
    payload = data.encode() if isinstance(data, str) else bytes(data)
    temporary = temporary_name(path)
    with cleaned_on_failure(path, temporary):
        with temporary.open("wb") as handle:
            half = len(payload) // 2
            handle.write(payload[:half])
            if halfway is not None:
                handle.flush()
                halfway()
            handle.write(payload[half:])
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
        if durable:
            fsync_folder(path.parent)


def save_with(path: str | Path, write: Callable[[Path], None], suffix: str = "") -> None:
    """Runs ``write(temporary)`` then renames the temporary file to ``path`` (see module doc).

    For writers that take a file name (``model.save``); ``suffix`` is the extension the writer
    insists on (``.keras``).
    """
    path = Path(path)
    temporary = temporary_name(path, suffix)
    with cleaned_on_failure(path, temporary):
        write(temporary)
        os.replace(temporary, path)


@contextlib.contextmanager
def cleaned_on_failure(path: Path, temporary: Path) -> Iterator[None]:
    """Removes ``temporary`` if the block fails; a disk failure becomes a ``WriteError``."""
    try:
        yield
    except BaseException as error:
        with contextlib.suppress(OSError):
            if temporary.is_dir() and not temporary.is_symlink():
                import shutil

                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink()
        disk = disk_failure(error)
        if disk is None:
            raise
        raise WriteError(
            disk.errno or errno.EIO,
            f"{path}: cannot write it ({reason(disk)}); free space or fix the folder's "
            "permissions, then rerun",
        ) from error


class _Disk:
    def __init__(self, number: int | None, text: str):
        self.errno, self.text = number, text


def disk_failure(error: BaseException) -> _Disk | None:
    """The full-disk / read-only / permission cause of ``error`` (its chain searched), or None.

    Some writers (h5py, TensorFlow) wrap the ``OSError`` in their own exception or keep only
    its text, so the messages are looked at too.
    """
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10:
        if isinstance(current, WriteError):
            return None  # already one line naming its path
        if isinstance(current, OSError) and current.errno in DISK_ERRNOS:
            return _Disk(current.errno, current.strerror or str(current))
        text = str(current).lower()
        for message, number in DISK_MESSAGES.items():
            if message in text:
                return _Disk(number, message)
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def reason(disk: _Disk) -> str:
    if disk.errno:
        return os.strerror(disk.errno).lower()
    return disk.text


def fsync_folder(folder: str | Path) -> None:
    """``fsync`` a folder so a rename in it survives a power cut (no-op where unsupported)."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def remove_leftovers(
    folder: str | Path, patterns: tuple[str, ...], older_than: float = 0.0
) -> list[Path]:
    """Deletes files and folders matching ``patterns`` in ``folder`` (a killed writer's
    temporary files) last modified over ``older_than`` seconds ago; returns what was removed.
    Call it only while no one else writes there (or with an age no live writer reaches)."""
    import shutil
    import time

    removed = []
    for pattern in patterns:
        for item in Path(folder).glob(pattern):
            with contextlib.suppress(OSError):
                if older_than and time.time() - item.stat().st_mtime < older_than:
                    continue
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item)
                else:
                    item.unlink()
                removed.append(item)
    return removed


def kill_point(name: str, epoch: int | None = None) -> None:
    """SIGKILLs this process if ``$AFFECTKERAS_KILL_AT`` names this point (fault-injection tests).

    ``$AFFECTKERAS_KILL_AT`` is ``NAME`` or ``NAME:EPOCH`` (EPOCH 1-based; the point fires only
    when called with that epoch).
    """
    wanted = os.environ.get(KILL_AT_ENV)
    if not wanted:
        return
    point, _, at = wanted.partition(":")
    if point != name or (at and (epoch is None or int(at) != epoch)):
        return
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
