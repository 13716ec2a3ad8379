"""The canonical weights' file format, shared by every framework (worker side, numpy only).

One ``.npz`` per model (``weights/<model>-seed<seed>.npz`` in the cache), made once by the reference
framework from a fixed seed: float32 arrays keyed by its definitions' parameter names, in its layouts
(OIHW convolutions, (out, in) linear layers), plus integer counters (``num_batches_tracked``). Each
framework loads them into its own native definition with the layout conversions it needs.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Dict

import numpy as np

COUNTER_SUFFIX = "num_batches_tracked"


def write_npz(path: Path, arrays: Dict[str, np.ndarray]) -> None:
    """An ``np.load``-able .npz with fixed timestamps and key order, so equal arrays give equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())
    tmp.replace(path)


def read_npz(path: Path) -> Dict[str, np.ndarray]:
    """The parameters of a canonical ``.npz`` as float32 arrays (the integer counters left out)."""
    with np.load(str(path)) as npz:
        return {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files if not k.endswith(COUNTER_SUFFIX)}
