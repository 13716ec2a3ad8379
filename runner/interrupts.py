"""SIGINT, SIGTERM and SIGHUP end a run the same way (Ctrl-C, ``timeout``, CI cancellation, systemd, SSH).

    with interrupts.handled():       # around a command that writes results
        ...
    with interrupts.deferred():      # around the writing of one cell's parts: all of them, or none
        ...

Each signal raises :class:`Interrupted`, a ``KeyboardInterrupt``, so the clean-up paths of Ctrl-C run for all
three: the current worker's process group is killed, temporary files and folders are removed, no part is
left half-written, and ``runner.cli.errors`` prints the one "interrupted … re-run with the same --run-id"
line. The exit status is 128 + the signal number: 130 (SIGINT), 143 (SIGTERM), 129 (SIGHUP). A signal that
was ignored when edgebench started (``nohup``; SIGINT in a background job of a non-interactive shell)
stays ignored, as for any Unix program.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator, Optional

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    depth = 0  # nesting of deferred()
    pending: Optional[int] = None


def _handler(signum: int, frame: object) -> None:
    if _State.depth:
        _State.pending = _State.pending or signum
        return
    raise Interrupted(signum)


@contextmanager
def handled() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted` (main thread only) for the block."""
    previous = {}
    for sig in SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold a signal arriving inside the block until it ends, then raise it."""
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
        if not _State.depth and _State.pending:
            signum, _State.pending = _State.pending, None
            raise Interrupted(signum)
