"""The artifact cache: canonical weights, reference outputs and per-framework model files (DESIGN §4).

Everything is built once, by a build job in the *source* framework's environment
(``runner.worker.build``), into ``$EDGEBENCH_CACHE`` (default ``~/.cache/edgebench``)::

    weights/<model>-seed<seed>.npz                      canonical seeded weights (runner.models.weights)
    reference/<model>-b<batch>-<package><version>.npy   the reference framework's eager output on the seeded
                                                        input (its first package and version)
    artifacts/<model>/<artifact>-from-<source>-<builder version>/   model files + artifact.json (sha256s)
    artifacts/<model>/<artifact>-<precision key>-from-<source>-<builder version>/   another precision than
        fp32: the key names the precision, the method and, if calibrated, the calibration count (int8-static-qdq-c32)
    artifacts/<model>/<artifact>-<precision key>-from-<fp32 artifact folder>-<version>/   a precision the
        framework derives from the fp32 artifact in its own environment (the record's ``Precision.derived``)
    artifacts/<model>/<artifact>[-<precision key>]-b<batch>-from-...   a framework whose artifacts are made for
        one batch size (the record's ``per_batch``: static shapes)
    models/<sha256>/...                                 a model file (--model-file): its copy, conversions and
                                                        references (runner.modelfiles.cache)

A cache serves the cells of one version set (``env_set``): its builders are that set's environments. An
artifact's folder names the version that built it and, for a set other than current, the set
(``<artifact>-from-<source>-<version>-<set>``): the set's lock file pins the exporters and converters
(onnx, tf2onnx) that the builder's version alone does not tell apart (one framework release with two onnx
releases). The weights are the same numbers in every set (seeded numpy): the current set's reference
framework builds them where it exists, else the set's. The reference output is the set's own reference
framework's (the current set's where the set has none); its version is recorded with each cell
(``reference_version``).

Each entry is written to a temporary folder and renamed, under a file lock, and verified by sha256
before a run uses it: an artifact's files against its ``artifact.json``, a weights or reference file
against ``<file>.sha256`` beside it. An entry that verifies is used as it is, without taking the lock or
writing anything, so a read-only cache works when it holds everything a grid needs; one that does not is
removed and built again. A cache that must be written and cannot be (read-only, a file, out of space)
is an ``OutputError`` (exit 3) naming what is missing. A build that fails is remembered for the rest of
the run, so a grid with many cells of a rejected conversion pays for the failure once; a rejected
conversion is also remembered on disk (``<artifact>.unsupported.json``; one that cannot be read is
ignored, and the conversion tried again).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

from runner import checksums, envs
from runner.catalog import FRAMEWORKS, REFERENCE_FRAMEWORK, sets
from runner.catalog.sets import CURRENT
from runner.cell import Cell
from runner.frameworks.base import PrecisionRequest
from runner.precision import artifact_prefix, calibration_samples, precision_of
from runner.results import files

WEIGHT_SEED = 0
BUILD_TIMEOUT_S = 3600.0
#: The request key a build job writes to, by job (the rest write ``out_dir``).
OUTPUT_KEYS = {"weights": "path", "reference": "out", "file_reference": "out"}


def cache_dir() -> Path:
    return Path(os.environ.get("EDGEBENCH_CACHE") or Path.home() / ".cache" / "edgebench").absolute()


@dataclass(frozen=True)
class Failure:
    status: str  # unsupported | unavailable | failed
    error_class: str
    error_message: str


@dataclass
class Prepared:
    """What a cell gets from the cache: its artifact (folder, metadata, size on disk), the reference outputs
    (for the cell's batch, and for the quality inputs; or why there is none) and the framework that made them,
    how its precision was made (the artifact's record of it, else the method the framework's record declares),
    or why it cannot run."""

    artifact_dir: Optional[Path] = None
    reference: Optional[Path] = None
    reference_note: str = ""
    meta: Optional[dict] = None
    failure: Optional[Failure] = None
    artifact_bytes: Optional[int] = None
    reference_version: Optional[str] = None
    reference_framework: Optional[str] = None
    quality_reference: Optional[Path] = None
    quantization: Optional[str] = None
    calibration_samples: Optional[int] = None


def tree_bytes(root: Path, files: Optional[Dict[str, str]] = None) -> int:
    """Bytes on disk of an artifact's model files (``files``: the names its artifact.json lists)."""
    paths = [root / name for name in files] if files is not None else \
        [p for p in root.rglob("*") if p.is_file() and p.name != "artifact.json"]
    return sum(p.stat().st_size for p in paths)


class BuildError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.error_message)
        self.failure = failure


class Cache:
    """Builds and verifies what cells need, through build jobs in framework environments."""

    def __init__(self, root: Path, pythonpath: str, log_dir: Path, env_set: str = CURRENT) -> None:
        self.root, self.pythonpath, self.log_dir, self.env_set = root, pythonpath, log_dir, env_set
        self.failures: Dict[str, Failure] = {}
        self.verified: Dict[str, dict] = {}
        self.on_build: Optional[Callable[[str], None]] = None  # told each job it builds (weights, artifact...)

    def prepare(self, cell: Cell) -> Prepared:
        entry = precision_of(cell)
        declared = Prepared(quantization=entry.quantization if entry.supported else None,
                            calibration_samples=calibration_samples(cell, entry))
        if not entry.supported:
            return dataclasses.replace(declared, failure=Failure("unsupported", "PrecisionUnsupported",
                                                                 entry.unsupported))
        if cell.model_file is not None:
            from runner.modelfiles import cache as files

            return files.prepare(self, cell, declared)
        if not FRAMEWORKS[cell.framework].needs_artifact:
            return declared
        try:
            artifact, meta = self.artifact(cell)
        except BuildError as exc:
            return dataclasses.replace(declared, failure=exc.failure)
        reference, note = self.reference(cell.model, cell.batch_size)
        quality = self.reference(cell.model, cell.budget.quality_samples)[0] if cell.budget.quality_samples else None
        return Prepared(artifact, reference, note, meta, artifact_bytes=tree_bytes(artifact, meta.get("files")),
                        reference_version=self.reference_version(reference, cell.model, cell.batch_size),
                        reference_framework=REFERENCE_FRAMEWORK if reference else None,
                        quality_reference=quality, quantization=meta.get("quantization", declared.quantization),
                        calibration_samples=meta.get("calibration_samples", declared.calibration_samples) or None)

    def weights(self, model: str) -> Path:
        path = self.root / "weights" / f"{model}-seed{WEIGHT_SEED}.npz"
        env_set = CURRENT if envs.for_framework(REFERENCE_FRAMEWORK).available else self.env_set
        self._once(f"weights:{model}", path, REFERENCE_FRAMEWORK,
                   {"job": "weights", "model": model, "path": str(path), "seed": WEIGHT_SEED, "env_set": env_set},
                   single_file=True)
        return path

    def reference(self, model: str, batch: int) -> Tuple[Optional[Path], str]:
        """The reference framework's eager output for the seeded batch; without its environment here, one
        made elsewhere."""
        env_set = self.env_set if envs.for_framework(REFERENCE_FRAMEWORK, self.env_set).available else CURRENT
        info = envs.for_framework(REFERENCE_FRAMEWORK, env_set)
        stem = self._reference_stem(model, batch)
        if not info.available:
            made = sorted((self.root / "reference").glob(f"{stem}*.npy"))
            verified = [p for p in made if self._ready(p, single_file=True)]
            if verified:
                return verified[-1], ""
            unverified = f" ({len(made)} made elsewhere fail their sha256 check)" if made else ""
            return None, f"no reference{unverified}: {info.reason}"
        version = envs.framework_version(REFERENCE_FRAMEWORK, info)
        path = self.root / "reference" / f"{stem}{version}.npy"
        try:
            self._once(f"reference:{model}:{batch}", path, REFERENCE_FRAMEWORK,
                       {"job": "reference", "model": model, "batch_size": batch, "out": str(path), "env_set": env_set},
                       single_file=True)
        except BuildError as exc:
            return None, f"no reference: {exc.failure.error_message}"
        return path, ""

    @staticmethod
    def _reference_stem(model: str, batch: int) -> str:
        return f"{model}-b{batch}-{FRAMEWORKS[REFERENCE_FRAMEWORK].packages[0]}"

    def reference_version(self, path: Optional[Path], model: str, batch: int) -> Optional[str]:
        """The reference framework's version that made the reference file ``path`` (its name says it)."""
        stem = self._reference_stem(model, batch)
        return path.name[len(stem):-len(path.suffix)] if path and path.name.startswith(stem) else None

    def artifact(self, cell: Cell) -> Tuple[Path, dict]:
        """The verified artifact of ``cell`` at its precision, built here by its builder's environment, or,
        where that environment does not exist (e.g. a Raspberry Pi has no build of it), one built elsewhere
        and copied into this cache (``edgebench plan --prepare`` on another host). A precision the framework
        derives (its record's ``Precision.derived``) is built by its own environment from the fp32 artifact
        the source built."""
        fw = FRAMEWORKS[cell.framework]
        entry = precision_of(cell)
        kind, source_builder = entry.artifact or fw.artifact, fw.sources[cell.source]
        samples = calibration_samples(cell, entry) or 0
        request: dict = {"precision": PrecisionRequest(entry.name, entry.quantization, samples).meta()}
        if fw.per_batch:
            request["batch_size"] = cell.batch_size
        prefix = artifact_prefix(cell)
        if not entry.derived:
            return self._artifact(cell.model, kind, source_builder, f"{prefix}-from-{cell.source}", request)
        base, _ = self._artifact(cell.model, fw.artifact, source_builder, f"{fw.artifact}-from-{cell.source}", {})
        return self._artifact(cell.model, kind, fw.name, f"{prefix}-from-{base.name}",
                              dict(request, from_dir=str(base)))

    def _artifact(self, model: str, kind: str, builder: str, stem: str, extra: dict) -> Tuple[Path, dict]:
        """Artifact ``kind`` of ``model`` in folder ``stem-<builder version>[-<set>]``, built by ``builder`` (this
        cache's set's environment of it) with the request fields ``extra`` (precision, from_dir)."""
        info = envs.for_framework(builder, self.env_set)
        if not info.available:
            return self._prebuilt(model, kind, stem, f"{builder} environment builds this artifact: {info.reason}")
        version = envs.framework_version(builder, info) + self._in_set
        path = self.root / "artifacts" / model / f"{stem}-{version}"
        req = dict(extra, job="artifact", model=model, target=kind, out_dir=str(path))
        self._once(f"artifact:{path}", path, builder, req, single_file=False)
        return path, self.verified[str(path)]

    def _prebuilt(self, model: str, kind: str, stem: str, reason: str) -> Tuple[Path, dict]:
        for path in sorted((self.root / "artifacts" / model).glob(f"{stem}-*{self._in_set}"), reverse=True):
            if path.is_dir() and (path / "artifact.json").is_file() and self._of_this_set(path):
                meta = checksums.verify_tree(path)
                if meta is not None:
                    self.verified[str(path)] = meta
                    return path, dict(meta, prebuilt=True)
        raise BuildError(Failure("unavailable", "EnvironmentMissing",
                                 f"{reason}; nor is a prebuilt {kind} artifact ({stem}) in {self.root} "
                                 "(make one elsewhere with `edgebench plan --prepare` and copy the cache here)"))

    @property
    def _in_set(self) -> str:
        """The suffix of this set's artifact folders ('' for current)."""
        return "" if self.env_set == CURRENT else f"-{self.env_set}"

    def _of_this_set(self, path: Path) -> bool:
        """Whether an artifact folder was built by this set (the other sets' end in their names)."""
        return self.env_set != CURRENT or not any(path.name.endswith(f"-{s}") for s in sets.names()[1:])

    def _once(self, key: str, path: Path, builder: str, req: dict, single_file: bool) -> None:
        """Build at most once per run; a rejected conversion is also remembered on disk (it is data, and
        some converters take minutes to fail): delete ``<artifact>.unsupported.json`` to try again."""
        marker = path.with_name(path.name + ".unsupported.json")
        cached = checksums.read_marker(marker) if key not in self.failures else None
        if cached:
            self.failures[key] = Failure("unsupported", cached["error_class"],
                                         f"{cached['error_message']} (cached in {marker.name}; delete it to retry)")
        if key in self.failures:
            raise BuildError(self.failures[key])
        try:
            self._ensure(path, builder, req, single_file)
        except BuildError as exc:
            self.failures[key] = exc.failure
            if exc.failure.status == "unsupported":
                try:
                    marker.write_text(json.dumps(vars(exc.failure)))
                except OSError:
                    pass  # a read-only cache: remembered for this run only
            raise

    def _ensure(self, path: Path, builder: str, req: dict, single_file: bool) -> None:
        """A verified entry at ``path``: as it is when it verifies (no lock, no write), else built under the
        lock (a corrupt one removed first), after which it must verify."""
        if self._ready(path, single_file):
            return
        with checksums.writing(self.root, path):
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(path.parent / f".{path.name}.lock", "w")
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._ready(path, single_file):  # another process built it meanwhile
                return
            with checksums.writing(self.root, path):
                self._remove(path)
                self._build(path, builder, req, single_file)
            if not self._ready(path, single_file):
                raise BuildError(Failure("failed", "ArtifactCorrupt", f"sha256 mismatch in {path} after a rebuild"))

    def _ready(self, path: Path, single_file: bool) -> bool:
        """Whether ``path`` holds an entry that matches its recorded sha256 (checked once per run)."""
        if str(path) not in self.verified:
            meta = checksums.verify_file(path) if single_file else checksums.verify_tree(path)
            if meta is None:
                return False
            self.verified[str(path)] = meta
        return True

    def _remove(self, path: Path) -> None:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            checksums.sidecar(path).unlink(missing_ok=True)

    def _build(self, path: Path, builder: str, req: dict, single_file: bool) -> None:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            target = tmp / path.name if single_file else tmp
            req = dict(req, builder=builder)
            if req["job"] in ("artifact", "reference"):  # a model file has its weights in it
                req["weights"] = "" if req.get("model_file") else str(self.weights(req["model"]))
            req[OUTPUT_KEYS.get(req["job"], "out_dir")] = str(target)
            if self.on_build is not None:
                self.on_build(req["job"])
            result = self._run_job(builder, req, tmp)
            if not result.get("ok"):
                status = "unsupported" if result.get("unsupported") else "failed"
                raise BuildError(Failure(status, result.get("error_class", "BuildError"),
                                         f"building {req['job']} with {builder}: {result.get('error_message')}"))
            os.chmod(tmp, files.dir_mode())  # mkdtemp's 0700 would hide the cache from the owner's group
            if single_file:
                (tmp / "sha256").write_text(f"{checksums.sha256_file(target)}  {path.name}\n")
                os.replace(target, path)
                os.replace(tmp / "sha256", checksums.sidecar(path))
            else:
                meta = dict(result.get("meta") or {}, files=checksums.sha256_tree(tmp), builder=builder,
                            model=req["model"])
                (tmp / "artifact.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
                os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def job(self, builder: str, req: dict) -> dict:
        """The result of build job ``req`` in ``builder``'s environment, for a job that leaves nothing behind
        (describing a model file): it runs in a temporary folder that keeps its log too; a BuildError, with the
        log's last line, when it gives no result."""
        with tempfile.TemporaryDirectory(prefix="edgebench-job-") as tmp:
            return self._run_job(builder, dict(req, builder=builder), Path(tmp), Path(tmp) / "build.log")

    def _run_job(self, builder: str, req: dict, tmp: Path, log_path: Optional[Path] = None) -> dict:
        from runner.worker.lifeline import PARENT_ENV
        from runner.worker.spawn import worker_environ

        env_set = req.get("env_set", self.env_set)
        info = envs.for_framework(builder, env_set)
        if not info.available:
            raise BuildError(Failure("unavailable", "EnvironmentMissing", info.reason))
        req_file, out_file = tmp / "build-request.json", tmp / "build-result.json"
        req_file.write_text(json.dumps(req))
        if log_path is None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            in_set = "" if env_set == CURRENT else f"-{env_set}"
            log_path = self.log_dir / f"build-{req['job']}-{req['model']}-{builder}-{req.get('target', '')}{in_set}.log"
        env = worker_environ(0, self.pythonpath, extra={PARENT_ENV: str(os.getpid())})
        try:
            with open(log_path, "ab") as log:
                subprocess.run([info.python, "-m", "runner.worker.build", str(req_file), str(out_file)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(tmp),
                               timeout=BUILD_TIMEOUT_S, check=False)
            result = json.loads(out_file.read_text())
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            where = f"see {log_path}" if log_path.parent != tmp else f"its last line: {_last_line(log_path)}"
            raise BuildError(Failure("failed", "BuildError",
                                     f"the {builder} build job gave no result ({exc}); {where}")) from None
        for name in ("build-request.json", "build-result.json"):
            (tmp / name).unlink(missing_ok=True)
        return result


def _last_line(path: Path) -> str:
    lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()] if path.is_file() else []
    return lines[-1][:300] if lines else "(empty)"
