"""The Raspberry Pi firmware tool ``vcgencmd``: where it is, and running one of its commands.

    found = locate()                  # Located(path or None, detail saying where it looked / why not)
    text = run(found.path, ["get_throttled"])     # stdout, stripped; raises VcgencmdError

Where it is, in this order: the environment variable ``EDGEBENCH_VCGENCMD`` (a path; tests point it at a
fake script), ``vcgencmd`` on ``PATH``, then the places Raspberry Pi OS installs it (``/usr/bin``, and
``/opt/vc/bin`` on releases before Bullseye). Inside a container the tool also needs the VideoCore mailbox
device (``--device /dev/vcio``); without it the command fails and ``run`` says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

VCGENCMD_ENV = "EDGEBENCH_VCGENCMD"
KNOWN_PATHS = ("/usr/bin/vcgencmd", "/opt/vc/bin/vcgencmd")
TIMEOUT_S = 5.0


class VcgencmdError(Exception):
    """The command could not be run, timed out or exited non-zero; the message says which, in one line."""


@dataclass(frozen=True)
class Located:
    path: Optional[str]
    detail: str


def locate() -> Located:
    """The vcgencmd to run, or None and why not."""
    override = os.environ.get(VCGENCMD_ENV, "").strip()
    if override:
        if os.access(override, os.X_OK) and Path(override).is_file():
            return Located(override, f"{override} (from {VCGENCMD_ENV})")
        return Located(None, f"{VCGENCMD_ENV}={override} is not an executable file")
    on_path = shutil.which("vcgencmd")
    if on_path:
        return Located(on_path, on_path)
    for candidate in KNOWN_PATHS:  # a folder there (compose mounts an empty volume where the host has none) is not it
        if os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return Located(candidate, candidate)
    return Located(None, f"no vcgencmd on PATH or in {', '.join(KNOWN_PATHS)} (not a Raspberry Pi, "
                         f"or the image lacks it; set {VCGENCMD_ENV})")


def run(path: str, args: Sequence[str], timeout_s: float = TIMEOUT_S) -> str:
    """``path args...`` -> stdout, stripped. Raises VcgencmdError with a one-line reason."""
    what = " ".join(["vcgencmd", *args])
    try:
        proc = subprocess.run([path, *args], capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise VcgencmdError(f"{what} did not answer within {timeout_s:g} s") from None
    except OSError as exc:
        raise VcgencmdError(f"{what}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise VcgencmdError(f"{what} exited {proc.returncode}: {said[-1] if said else 'no output'} "
                            "(in a container pass --device /dev/vcio)")
    return proc.stdout.strip()
