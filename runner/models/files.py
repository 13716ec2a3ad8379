"""A model file (``--model-file``) as data (worker side, standard library, Python >= 3.9).

    Signature   what the format's own runtime says the file takes and gives (its ``describe_file`` build job)
    ModelFile   the file as a grid model: its name in the data, format, sha256, the copy in the artifact
                cache, the framework whose runtime is the format's own, and its inputs made concrete (shapes
                without the batch dimension, dtypes, seeded value ranges; :mod:`runner.modelfiles.inputs`)

Cells carry their :class:`ModelFile` (``Cell.model_file``) and build requests carry it as a dict, so every
process registers the file's spec (:func:`runner.models.spec.register`) from what it was given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Tuple

from runner.models.spec import InputSpec, ModelSpec

#: The ``source`` of a cell that runs a model file as it is (not converted).
FILE_SOURCE = "file"


@dataclass(frozen=True)
class TensorInfo:
    """One input or output as a runtime describes it. ``shape``: one entry per dimension, None where the
    dimension is dynamic (None for the whole shape: the rank is not known, as in TorchScript); ``dtype``: a
    numpy dtype name, '' when the format does not say; ``vocab``: rows of the embedding table an integer input
    indexes, where the graph shows one (0: unknown)."""

    name: str
    shape: Optional[Tuple[Optional[int], ...]] = None
    dtype: str = ""
    vocab: int = 0

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> TensorInfo:
        shape = d.get("shape")
        return cls(str(d["name"]), None if shape is None else tuple(None if v is None else int(v) for v in shape),
                   str(d.get("dtype") or ""), int(d.get("vocab") or 0))


@dataclass(frozen=True)
class Signature:
    """A model file's inputs and outputs, in the order its runtime takes and gives them."""

    inputs: Tuple[TensorInfo, ...]
    outputs: Tuple[TensorInfo, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Signature:
        return cls(tuple(map(TensorInfo.from_dict, d.get("inputs", ()))),
                   tuple(map(TensorInfo.from_dict, d.get("outputs", ()))))


@dataclass(frozen=True)
class ModelFile:
    """A model file as a grid model. ``copy``: the cache folder holding the file under its format's name
    (``model.onnx``, ``savedmodel/``...) with an ``artifact.json`` of sha256s; ``owner``: the framework whose
    runtime is the format's own; ``inputs``: shapes without the batch dimension; ``batch``: the batch size the
    file fixes (its first dimension), None when that dimension is dynamic; ``path``: the file as given."""

    name: str
    format: str
    sha256: str
    copy: str
    owner: str
    inputs: Tuple[InputSpec, ...]
    outputs: Tuple[str, ...] = ()
    batch: Optional[int] = None
    path: str = ""

    @property
    def family(self) -> str:
        """The family whose methods apply (e.g. a precision's): integer inputs (token ids) make it a
        transformer, float inputs a CNN."""
        return "transformer" if any(i.kind in ("ids", "mask") for i in self.inputs) else "cnn"

    @property
    def inputs_key(self) -> str:
        """8 hex digits naming the concrete inputs (names, shapes, dtypes, ranges): references and
        conversions depend on them."""
        text = json.dumps([asdict(i) for i in self.inputs], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    def spec(self) -> ModelSpec:
        outputs = ", ".join(self.outputs) or "its first output"
        return ModelSpec(self.name, self.family, self.inputs, f"{outputs} (from a {self.format} file)", 0, 0.0,
                         float("nan"), (self.batch or 1,))

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> ModelFile:
        d = dict(d)
        d["inputs"] = tuple(InputSpec(**dict(i, shape=tuple(i["shape"]))) for i in d.get("inputs", ()))
        d["outputs"] = tuple(d.get("outputs", ()))
        return cls(**d)
