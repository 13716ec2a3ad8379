"""A cell: one point of the grid, measured in one fresh process (worker side safe, Python >= 3.9)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, Optional, Tuple

from runner.catalog.sets import CURRENT
from runner.frameworks.record import FP32
from runner.models.files import ModelFile

#: The largest ``memory_limit_bytes`` accepted (1 EiB): beyond it a limit means nothing (and overflows setrlimit).
MAX_MEMORY_LIMIT = 2**60


@dataclass(frozen=True)
class Budget:
    """The stopping rule's knobs for one cell (DESIGN §5).

    Warm-up runs until both ``warmup_iterations`` and ``warmup_s`` are reached. The steady phase runs at
    least ``min_iterations`` and ``min_time_s``, then until the 95% CI of the median is within
    ``± target_rel_ci`` of the median, or until ``max_time_s``. ``timeout_s`` bounds the whole process.
    ``calibration_samples``: seeded inputs a calibrated quantization sees (part of the artifact's cache key);
    ``quality_samples``: seeded inputs the output quality (SQNR, top-1 agreement with the reference) is
    computed over after the steady phase, untimed (0: not computed).
    """

    warmup_iterations: int = 2
    warmup_s: float = 0.5
    min_iterations: int = 10
    min_time_s: float = 2.0
    max_time_s: float = 10.0
    target_rel_ci: float = 0.01
    timeout_s: float = 600.0
    memory_limit_bytes: Optional[int] = None
    calibration_samples: int = 32  # runner.models.inputs.CALIBRATION_INPUTS
    quality_samples: int = 32

    def validate(self) -> Optional[str]:
        """None when consistent, else a one-line description of the problem."""
        problem = self._types()
        if problem:
            return problem
        if min(self.warmup_iterations, self.min_iterations) < 0:
            return "iteration counts must be >= 0"
        if self.min_iterations < 1:
            return "min_iterations must be >= 1"
        if min(self.warmup_s, self.min_time_s) < 0:
            return "times must be >= 0"
        if self.max_time_s < self.min_time_s:
            return f"max_time_s ({self.max_time_s}) is below min_time_s ({self.min_time_s})"
        if self.timeout_s <= 0:
            return "timeout_s must be > 0"
        if self.calibration_samples < 1 or self.quality_samples < 0:
            return "calibration_samples must be >= 1 and quality_samples >= 0"
        if not 0 < self.target_rel_ci < 1:
            return f"target_rel_ci must be in (0, 1), got {self.target_rel_ci}"
        return None

    def _types(self) -> Optional[str]:
        """Every knob a finite number (counts, sample counts and the memory limit integers); the memory limit > 0."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "memory_limit_bytes" and value is None:
                continue
            integer = f.name.endswith(("iterations", "_samples")) or f.name == "memory_limit_bytes"
            kinds = (int,) if integer else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds):
                return f"{f.name} must be {'an integer' if integer else 'a number'}, got {value!r}"
            if not math.isfinite(value):
                return f"{f.name} must be finite, got {value!r}"
        limit = self.memory_limit_bytes
        if limit is not None and not 0 < limit <= MAX_MEMORY_LIMIT:
            return f"memory_limit_bytes must be > 0 and at most 1 EiB, got {limit}"
        return None


@dataclass(frozen=True)
class Cell:
    """What is measured. ``options`` carries adapter-specific knobs (``edgebench list options``); ``env_set`` the
    version set whose environments run it (``current`` or a folder of ``envs/sets/``); ``model_file`` the model
    file the cell runs (``model`` is then its name in the data), None for a built-in model; ``precision`` the
    numeric precision asked for (fp32 | fp16 | int8, ``edgebench list precisions``)."""

    model: str
    framework: str
    source: str
    batch_size: int
    provider: str
    threads: int
    repetition: int
    budget: Budget = field(default_factory=Budget)
    options: Tuple[Tuple[str, str], ...] = ()
    env_set: str = CURRENT
    model_file: Optional[ModelFile] = None
    precision: str = FP32

    @property
    def cell_id(self) -> str:
        """Readable, deterministic and unique within a grid: used as the Parquet part name. The source, the
        precision and the version set appear where they are not the defaults (the framework itself, fp32,
        ``current``)."""
        src = "" if self.source == self.framework else f"-{self.source}"
        src += "" if self.precision == FP32 else f"-{self.precision}"
        opts = "".join(f"-{k}={v}" for k, v in self.options)
        opts += "" if self.env_set == CURRENT else f"-{self.env_set}"
        return (
            f"{self.model}-{self.framework}{src}-b{self.batch_size}-{self.provider}"
            f"-t{self.threads}-r{self.repetition}{opts}"
        )

    def option(self, key: str, default: str = "") -> str:
        return dict(self.options).get(key, default)

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["options"] = [list(kv) for kv in self.options]
        return d

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Cell:
        d = dict(d)
        d["budget"] = Budget(**d.get("budget", {}))
        d["options"] = tuple(tuple(kv) for kv in d.get("options", ()))
        if d.get("model_file") is not None:
            d["model_file"] = ModelFile.from_dict(d["model_file"])
        return cls(**d)
