"""Result files on disk: durable, readable by the owner's group, and failures typed (DESIGN §7).

* A part is written to a temporary name, ``fsync``ed, renamed, and its folder ``fsync``ed, so a power cut
  on an edge device leaves the old state or the new one, never a truncated part.
* Files get the mode the umask gives (``0644`` under the usual ``022``), not ``mkstemp``'s ``0600``: a
  result written as root in a container is readable by the user who mounted the folder.
* Before the first cell the run folder must have ``MIN_FREE_BYTES`` free, and a probe of ``PROBE_BYTES``
  real bytes is written and synced there (an empty file needs no blocks and proves nothing).
* ``ENOSPC``/``EDQUOT`` (out of space), ``EROFS``/``EACCES``/``EPERM`` (not writable) become an
  :class:`OutputError` (exit 3) naming the file, with a hint; finished cells stay as they are.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Union

from runner.errors import OutputError

MIN_FREE_BYTES = 16 * 2**20
PROBE_BYTES = 1 * 2**20
OUT_OF_SPACE = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST, errno.EISDIR)
RESUME_HINT = "re-run with the same --run-id to resume: the cells already written are kept"


@functools.lru_cache(maxsize=1)
def umask() -> int:
    """The process's umask, read without changing it where /proc says it (Linux >= 4.7)."""
    try:
        m = re.search(r"^Umask:\s*([0-7]+)", Path("/proc/self/status").read_text(), re.M)
        if m:
            return int(m.group(1), 8)
    except OSError:
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def file_mode() -> int:
    return 0o666 & ~umask()


def dir_mode() -> int:
    return 0o777 & ~umask()


def make_durable(path: Union[str, Path]) -> None:
    """Give a freshly written file the umask's mode and flush it to the device."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fchmod(fd, file_mode())
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Union[str, Path]) -> None:
    """Flush a folder's entries (a rename inside it) to the device."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def as_output_error(exc: OSError, what: str = "") -> Optional[OutputError]:
    """The typed error for an out-of-space or not-writable ``OSError``, else None (a bug: let it raise)."""
    where = what or exc.filename or "the results folder"
    if exc.errno in OUT_OF_SPACE:
        return OutputError(f"out of space writing {where}: {exc.strerror}",
                           f"free space on that volume (df -h), then {RESUME_HINT}")
    if exc.errno in NOT_WRITABLE:
        return OutputError(f"cannot write {where}: {exc.strerror}",
                           "pass a writable folder with --out (and check the volume is mounted read-write)")
    return None


@contextmanager
def writing(what: Union[str, Path]) -> Iterator[None]:
    """Turn an out-of-space or not-writable ``OSError`` inside the block into an :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        typed = as_output_error(exc, str(what))
        if typed is None:
            raise
        raise typed from None


def check_space(folder: Path) -> None:
    """At least MIN_FREE_BYTES free in ``folder``, and PROBE_BYTES of real data can be written and synced."""
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise OutputError(f"only {free / 2**20:.1f} MiB free in {folder}; edgebench needs at least "
                          f"{MIN_FREE_BYTES // 2**20} MiB there before the first cell",
                          "free space on that volume (df -h) or pass another folder with --out")
    probe = folder / f".write-test-{os.getpid()}"
    try:
        with writing(folder), open(probe, "wb") as fh:
            fh.write(os.urandom(PROBE_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        probe.unlink(missing_ok=True)
