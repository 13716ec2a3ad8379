"""A model file on disk: its format, its sha256, its copy in the artifact cache and its name in the data.

The user's file is only read. Its copy lives in the cache under its sha256, with its format's file name
(:class:`~runner.frameworks.record.FileFormat` ``file``), so adapters load it where they load built artifacts::

    models/<sha256>/file/model.onnx (or savedmodel/, model.xml + model.bin, ...) + artifact.json (sha256s)

``model_sha256`` is the sha256 of the file's bytes; for a folder (SavedModel) or a file with companions (an
``.xml`` graph with its ``.bin`` weights) it is the sha256 of the lines ``<sha256>  <path in the copy>``, sorted.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from runner import checksums
from runner import names as path_names
from runner.catalog.formats import FORMATS
from runner.errors import UsageError
from runner.frameworks.record import FileFormat
from runner.models.spec import MODELS
from runner.results.files import dir_mode


@dataclass(frozen=True)
class Located:
    """A model file as given: its path, format, files (path in the copy -> the user's file) and sha256."""

    path: Path
    format: FileFormat
    files: Dict[str, Path]
    sha256: str

    @property
    def stem(self) -> str:
        name = self.path.name
        return name[: -len(self.format.suffixes[0])] if self.format.suffixes else name


def kinds(folders: bool = False) -> str:
    """The model-file types (``folders``: only the folder types), for messages and hints."""
    return ", ".join(f"{f.title} ({', '.join(f.suffixes) or f'a folder with {f.marker}'})"
                     for f, _ in FORMATS.values() if f.marker or not folders)


def detect(path: Path) -> FileFormat:
    """The format of ``path`` from its suffix, or a folder's marker file; a UsageError otherwise."""
    if not path.exists():
        raise UsageError(f"model file not found: {path}", "pass the path of an existing model file or folder")
    if path.is_dir():
        for fmt, _ in FORMATS.values():
            if fmt.marker and (path / fmt.marker).is_file():
                return fmt
        raise UsageError(f"{path} is a folder but not a model: it is none of {kinds(folders=True)}",
                         f"pass a model folder or a model file: {kinds()}")
    for fmt, _ in FORMATS.values():
        if any(path.name.lower().endswith(s) for s in fmt.suffixes):
            return fmt
    raise UsageError(f"{path}: not a model-file type edgebench knows ('{path.suffix or path.name}')",
                     f"model files: {kinds()}")


def locate(path: Path) -> Located:
    """The file (or folder) at ``path`` with its format, its files and its sha256."""
    fmt = detect(path)
    if path.is_dir():
        files = {f"{fmt.file}/{p.relative_to(path)}": p for p in sorted(path.rglob("*")) if p.is_file()}
    else:
        files = {fmt.file: path}
        for suffix in fmt.companions:
            companion = path.with_suffix(suffix)
            if not companion.is_file():
                raise UsageError(f"{path}: its {suffix} file {companion.name} is not beside it",
                                 f"an {fmt.title} file comes with its {suffix} file of the same name")
            files[Path(fmt.file).with_suffix(suffix).name] = companion
    if not files:
        raise UsageError(f"{path} is an empty folder", "pass a model file or a model folder")
    return Located(path, fmt, files, digest({name: checksums.sha256_file(p) for name, p in files.items()}))


def copy_folder(cache_root: Path, found: Located) -> Path:
    """Where the copy of ``found`` lives (or would) in the cache."""
    return cache_root / "models" / found.sha256 / "file"


def copy_into(cache_root: Path, found: Located) -> Path:
    """The verified copy of ``found`` in the cache: as it is when it verifies (no lock, no write), else made
    under a file lock, atomically (a cache that cannot be written is an OutputError, exit 3)."""
    folder = copy_folder(cache_root, found)
    if checksums.verify_tree(folder) is not None:
        return folder
    with checksums.writing(cache_root, folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = open(folder.parent / ".file.lock", "w")
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if checksums.verify_tree(folder) is None:  # nor made by another process meanwhile
            with checksums.writing(cache_root, folder):
                shutil.rmtree(folder, ignore_errors=True)
                _copy(found, folder)
    return folder


def _copy(found: Located, folder: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".file.", dir=folder.parent))
    try:
        for name, source in found.files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp / name)
        files = checksums.sha256_tree(tmp)
        if digest(files) != found.sha256:
            raise UsageError(f"{found.path} changed while it was copied", "copy it again when it is complete")
        meta = {"files": files, "format": found.format.name, "given_as": found.path.name, "model_sha256": found.sha256}
        (tmp / "artifact.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        os.chmod(tmp, dir_mode())  # mkdtemp's 0700 would hide the cache from the owner's group
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def digest(files: Dict[str, str]) -> str:
    """The model sha256 of a copy's file digests (path in the copy -> sha256; see the module's docstring)."""
    if len(files) == 1 and "/" not in next(iter(files)):
        return next(iter(files.values()))
    return hashlib.sha256("".join(f"{d}  {n}\n" for n, d in sorted(files.items())).encode()).hexdigest()


def names(found: Sequence[Located]) -> List[str]:
    """Each file's name in the data: its stem, with its sha256's first 8 hex digits where the stem is a
    built-in model's or another file's (of other content); a name in the path alphabet (:mod:`runner.names`)."""
    seen: Dict[Tuple[str, str], Path] = {}
    for f in found:
        if (f.stem, f.sha256) in seen:
            raise UsageError(f"{seen[(f.stem, f.sha256)]} and {f.path} are the same model (sha256 {f.sha256[:12]}…)",
                             "list each model file once")
        seen[(f.stem, f.sha256)] = f.path
    stems = [f.stem for f in found]
    made = [f"{f.stem}-{f.sha256[:8]}" if f.stem in MODELS or stems.count(f.stem) > 1 else f.stem for f in found]
    for f, name in zip(found, made):
        path_names.check(f"model name (of {f.path})", name, "rename the file (or a copy of it)")
    return made
