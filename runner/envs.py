"""Framework environments: which interpreter runs each framework's workers (DESIGN §3).

Resolution, first match wins, for an environment ``NAME`` (a record's ``env``) of the version set ``current``:

1. the variable ``EDGEBENCH_ENV_<NAME>`` (an interpreter path);
2. the ``[envs]`` table of the file named by ``EDGEBENCH_ENVS_FILE`` (``NAME = "/path/bin/python"``);
3. ``<dir>/<NAME>/bin/python`` under ``EDGEBENCH_ENVS_DIR``, else the checkout's ``.envs/``, else
   ``/opt/envs`` (the images' layout).

Another version set ``SET`` (:mod:`runner.catalog.sets`) resolves the same way with ``__<SET>`` appended to
each variable (``SET`` upper-cased, ``-`` as ``_``): ``EDGEBENCH_ENV_<NAME>__GREENAI_2023``, the table
``[envs.greenai-2023]`` of the file, then ``<dir>/<NAME>/bin/python`` under ``EDGEBENCH_ENVS_DIR__GREENAI_2023``,
else ``<the current set's folder>/greenai-2023/``. A framework with no lock file in the set is not in it
(unless one of the first two names an interpreter for it).

The ``main`` environment (the harness's) is the interpreter running the orchestrator, in every set. A missing
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
from runner.catalog import FRAMEWORKS, sets
from runner.catalog.sets import CURRENT

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
    env_set: str = CURRENT

    def version_of(self, package: str) -> str:
        for name in (package, f"{package}-cpu", f"{package}-gpu"):
            if self.packages.get(name):
                return self.packages[name]
        return ""


def envs_dir(env_set: str = CURRENT) -> Path:
    """The folder holding the environments of ``env_set``."""
    own = os.environ.get("EDGEBENCH_ENVS_DIR" + sets.variable_suffix(env_set))
    if own:
        return Path(own)
    if os.environ.get("EDGEBENCH_ENVS_DIR"):
        base = Path(os.environ["EDGEBENCH_ENVS_DIR"])
    else:
        local = CHECKOUT / ".envs"
        base = local if local.is_dir() else Path("/opt/envs")
    return base if env_set == CURRENT else base / env_set


def _from_file(name: str, env_set: str = CURRENT) -> Optional[str]:
    path = os.environ.get("EDGEBENCH_ENVS_FILE")
    if not path:
        return None
    table = _config.read_toml(Path(path)).get("envs", {})
    table = table if env_set == CURRENT else table.get(env_set, {})
    value = table.get(name) if isinstance(table, dict) else None
    return value if isinstance(value, str) else None


def interpreter(name: str, env_set: str = CURRENT) -> tuple:
    """``(path or None, where it was looked for)`` for environment ``name`` of version set ``env_set``."""
    if name == "main":
        return sys.executable, "the orchestrator's interpreter"
    var = f"EDGEBENCH_ENV_{name.upper()}{sets.variable_suffix(env_set)}"
    if os.environ.get(var):
        return os.environ[var], f"${var}"
    from_file = _from_file(name, env_set)
    if from_file:
        table = "envs" if env_set == CURRENT else f"envs.{env_set}"
        return from_file, f"$EDGEBENCH_ENVS_FILE [{table}] {name}"
    return str(envs_dir(env_set) / name / "bin" / "python"), f"{envs_dir(env_set)}/{name}"


def _hint(name: str, env_set: str) -> str:
    """What to do when environment ``name`` of ``env_set`` is missing."""
    record = catalog.environments().get(name)
    var = f"EDGEBENCH_ENV_{name.upper()}{sets.variable_suffix(env_set)}"
    if env_set != CURRENT:
        return f"run `make setup ENV_SETS={env_set}`, or set {var} to an interpreter"
    return (record.setup_hint if record else "run `make setup`") + f", or set {var} to an interpreter"


@cache
def probe(name: str, env_set: str = CURRENT) -> EnvInfo:
    """Check that environment ``name`` of ``env_set`` runs, and read its package versions (imports no
    framework)."""
    python, where = interpreter(name, env_set)
    hint = _hint(name, env_set)
    if not Path(python).exists():
        return EnvInfo(name, None, False, f"no interpreter at {python} ({where}); {hint}", env_set=env_set)
    try:
        out = subprocess.run([python, "-c", _PROBE, *_PACKAGES], capture_output=True, text=True, timeout=60)
        data = json.loads(out.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return EnvInfo(name, python, False, f"interpreter {python} does not run: {exc}; {hint}", env_set=env_set)
    packages = {k: v for k, v in data["packages"].items() if v}
    return EnvInfo(name, python, True, "", data["python"], packages, env_set)


def in_set(framework: str, env_set: str = CURRENT) -> str:
    """'' when ``framework`` belongs to ``env_set`` here (a lock file for this machine, or an interpreter named
    for it), else why not."""
    fw = FRAMEWORKS[framework]
    if env_set == CURRENT or fw.env == "main":
        return ""
    from runner.catalog.install import arch

    chosen = sets.get(env_set)
    named = os.environ.get(f"EDGEBENCH_ENV_{fw.env.upper()}{sets.variable_suffix(env_set)}") or \
        _from_file(fw.env, env_set)
    if named or chosen.lock(fw, arch()) is not None:
        return ""
    members = [r.name for r in FRAMEWORKS.values() if not r.harness and chosen.lock(r, arch()) is not None]
    return (f"{framework} is not in version set {env_set} ({chosen.description}; it pins "
            f"{', '.join(members) or 'nothing'} here)")


def for_framework(framework: str, env_set: str = CURRENT) -> EnvInfo:
    """The environment of ``framework`` in ``env_set``, unavailable when its framework package is not installed
    there (or the set has no such framework)."""
    fw = FRAMEWORKS[framework]
    absent = in_set(framework, env_set)
    if absent:
        return EnvInfo(fw.env, None, False, absent, env_set=env_set)
    info = probe(fw.env, env_set)
    if not info.available or fw.env == "main":
        return info
    if not framework_version(framework, info):
        return EnvInfo(info.name, info.python, False,
                       f"{framework} is not installed in {info.python} (no {' or '.join(fw.packages)}); "
                       f"{_hint(fw.env, env_set)}",
                       info.python_version, info.packages, env_set)
    return info


def framework_version(framework: str, info: EnvInfo) -> str:
    """The version of the first of the framework's packages installed in its environment ('' if none)."""
    fw = FRAMEWORKS[framework]
    if fw.env == "main":
        from runner import __version__

        return __version__
    return next((v for v in map(info.version_of, fw.packages) if v), "")
