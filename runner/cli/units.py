"""Numbers for people: sizes in KiB/MiB/GiB, durations in s/min/h, frequencies in MHz/GHz.

Stored data keeps SI units in its column names (``memory_total_bytes``); only what a terminal shows goes
through here, chosen by the name's unit suffix.
"""

from __future__ import annotations

import math
from typing import Any, Optional


def size(n: Optional[float]) -> str:
    """``25325268992`` -> ``23.6 GiB``; bytes below 1 KiB as they are."""
    if n is None:
        return "-"
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def duration(seconds: Optional[float]) -> str:
    """``75`` -> ``1 min 15 s``; ``7384`` -> ``2 h 3 min``; below a minute with one decimal under 10 s."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds < 10:
        return f"{seconds:.1f} s"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min" + (f" {s % 60} s" if s % 60 else "")
    return f"{s // 3600} h" + (f" {s % 3600 // 60} min" if s % 3600 // 60 else "")


def frequency(hz: Optional[float]) -> str:
    if hz is None:
        return "-"
    return f"{hz / 1e9:.2f} GHz" if hz >= 1e9 else f"{hz / 1e6:.0f} MHz"


def human(key: str, value: Any) -> str:
    """``value`` shown by the unit its ``key`` ends with (``_bytes``, ``_s``, ``_hz``); '-' for nothing."""
    if value is None or value == {} or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if key.endswith("_bytes"):
            return size(value)
        if key.endswith("_s"):
            return duration(value)
        if key.endswith("_hz"):
            return frequency(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def label(key: str) -> str:
    """A column name without its unit suffix, for a table that shows the unit in the value."""
    for suffix in ("_bytes", "_hz", "_s"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key
