"""One process at a time per run folder: an advisory lock on ``<run>/.lock`` (DESIGN §7).

    with RunLock(run_dir):      # or lock.acquire() ... lock.release()
        ...read the manifest, find finished cells, measure, write the manifest...

``fcntl.flock`` with ``LOCK_NB``: a second ``edgebench run`` (or ``compact``) on the same folder is refused
at once with a ``RunStateError`` naming the holder's PID, instead of measuring every cell a second time
beside the first (disturbing both) and losing one invocation in the manifest's read-modify-write. The
kernel drops the lock when its holder exits, however it exits (SIGKILL included): nothing to clean up.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Optional

from runner.errors import RunStateError
from runner.results.files import file_mode, writing

LOCK_NAME = ".lock"


class RunLock:
    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self.fd: Optional[int] = None

    def acquire(self) -> None:
        with writing(self.path):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunStateError(f"run folder {self.path.parent} is in use by another edgebench process "
                                f"(PID {holder})", "wait for it to finish, or pass another --run-id") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
