"""Framework adapters and build jobs (worker side): one folder per framework, ``runner/frameworks/<name>/``::

    record.py    RECORD: the catalog record, pure data (runner.catalog collects every folder's)
    adapter.py   ADAPTER: the adapter class the worker drives (runner.frameworks.base.Adapter)
    build.py     its build jobs, where its record lists artifact kinds it ``builds``: build_artifact(), and
                 for the reference framework make_weights(), make_reference() and describe()
    *.py         its native model definitions and helpers; no other folder imports them

Shared by every folder: ``base`` (the adapter protocol, the build frame), ``record`` (the record's types)
and ``onnx_export`` (one ONNX export finish for every exporter). Each adapter imports its framework lazily,
inside its methods; ``adapter(name)`` imports only the chosen folder's adapter (mlcommons ``get_backend()``
style).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from runner.frameworks.base import Adapter


def adapter(name: str) -> Adapter:
    """A fresh adapter of framework ``name``."""
    return importlib.import_module(f"{__name__}.{name}.adapter").ADAPTER()


def builder(name: str) -> ModuleType:
    """The build module of framework ``name`` (its ``build_artifact``, and the reference framework's jobs)."""
    return importlib.import_module(f"{__name__}.{name}.build")
