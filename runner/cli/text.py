"""Data on a terminal: the one place Rich markup and control characters in data are escaped.

Device names, error messages, warnings, option values and paths come from users, hosts and frameworks.
Printed through Rich they are markup (``rpi4 [/dev/sda1]`` is a closing tag, and a crash); printed at all,
control characters move the cursor or recolour the terminal. Every data field shown on a terminal goes
through :func:`safe` (Rich) or :func:`plain` (plain text such as ``error:`` lines).
"""

from __future__ import annotations

from rich.markup import escape

#: C0 controls (newline and tab included: every field is shown on one line), DEL and C1 controls.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def plain(value: object) -> str:
    """``value`` as one line of text with its control characters shown as ``\\xNN``."""
    return str(value).translate(_CONTROLS)


def safe(value: object) -> str:
    """``value`` ready for Rich: control characters shown as ``\\xNN``, markup escaped (rendered literally)."""
    return escape(plain(value))
