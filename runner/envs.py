"""Framework environments: which interpreter runs each framework's workers (DESIGN §3).

Resolution, first match wins, for an environment ``NAME`` (a record's ``env``):

1. the variable ``EDGEBENCH_ENV_<NAME>`` (an interpreter path);
2. the ``[envs]`` table of the file named by ``EDGEBENCH_ENVS_FILE`` (``NAME = "/path/bin/python"``);
3. ``<dir>/<NAME>/bin/python`` under ``EDGEBENCH_ENVS_DIR``, else the checkout's ``.envs/``, else
   ``/opt/envs`` (the images' layout).

The ``main`` environment (the harness's) is the interpreter running the orchestrator. A missing
environment is not an error here: cells that need it become ``unavailable`` rows with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Dict, Optional

from runner import catalog
from runner import config as _config
from runner.catalog import FRAMEWORKS

CHECKOUT = Path(__file__).resolve().parent.parent

_PROBE = (
    "import json, platform, sys\n"
    "from importlib import metadata\n"
    "def v(p):\n"
    "    try:\n        return metadata.version(p)\n"
    "    except Exception:\n        return None\n"
    "print(json.dumps({'python': platform.python_version(), 'packages': {p: v(p) for p in sys.argv[1:]}}))\n"
)
#: Distributions whose versions the probe reads: the frameworks' (from their records), numpy and protobuf.
_PACKAGES = ("numpy", *catalog.packages(), "protobuf")


@dataclass(frozen=True)
class EnvInfo:
    name: str
    python: Optional[str]
    available: bool
    reason: str = ""
    python_version: str = ""
    packages: Dict[str, str] = field(default_factory=dict)

    def version_of(self, package: str) -> str:
        for name in (package, f"{package}-cpu", f"{package}-gpu"):
            if self.packages.get(name):
                return self.packages[name]
        return ""


def envs_dir() -> Path:
    if os.environ.get("EDGEBENCH_ENVS_DIR"):
        return Path(os.environ["EDGEBENCH_ENVS_DIR"])
    local = CHECKOUT / ".envs"
    return local if local.is_dir() else Path("/opt/envs")


def _from_file(name: str) -> Optional[str]:
    path = os.environ.get("EDGEBENCH_ENVS_FILE")
    if not path:
        return None
    return _config.read_toml(Path(path)).get("envs", {}).get(name)


def interpreter(name: str) -> tuple:
    """``(path or None, where it was looked for)`` for environment ``name``."""
    if name == "main":
        return sys.executable, "the orchestrator's interpreter"
    var = f"EDGEBENCH_ENV_{name.upper()}"
    if os.environ.get(var):
        return os.environ[var], f"${var}"
    from_file = _from_file(name)
    if from_file:
        return from_file, f"$EDGEBENCH_ENVS_FILE [envs] {name}"
    return str(envs_dir() / name / "bin" / "python"), f"{envs_dir()}/{name}"


@cache
def probe(name: str) -> EnvInfo:
    """Check that environment ``name`` runs, and read its package versions (imports no framework)."""
    python, where = interpreter(name)
    record = catalog.environments().get(name)
    hint = (record.setup_hint if record else "run `make setup`") + \
        f", or set EDGEBENCH_ENV_{name.upper()} to an interpreter"
    if not Path(python).exists():
        return EnvInfo(name, None, False, f"no interpreter at {python} ({where}); {hint}")
    try:
        out = subprocess.run([python, "-c", _PROBE, *_PACKAGES], capture_output=True, text=True, timeout=60)
        data = json.loads(out.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return EnvInfo(name, python, False, f"interpreter {python} does not run: {exc}; {hint}")
    packages = {k: v for k, v in data["packages"].items() if v}
    return EnvInfo(name, python, True, "", data["python"], packages)


def for_framework(framework: str) -> EnvInfo:
    """The environment of ``framework``, unavailable when its framework package is not installed there."""
    fw = FRAMEWORKS[framework]
    info = probe(fw.env)
    if not info.available or fw.env == "main":
        return info
    if not framework_version(framework, info):
        return EnvInfo(info.name, info.python, False,
                       f"{framework} is not installed in {info.python} (no {' or '.join(fw.packages)}); "
                       f"{fw.setup_hint}",
                       info.python_version, info.packages)
    return info


def framework_version(framework: str, info: EnvInfo) -> str:
    """The version of the first of the framework's packages installed in its environment ('' if none)."""
    fw = FRAMEWORKS[framework]
    if fw.env == "main":
        from runner import __version__

        return __version__
    return next((v for v in map(info.version_of, fw.packages) if v), "")
