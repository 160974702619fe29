"""Make sure a dataset's cache holds its four verified IDX files, trying each source in turn.

Order: the local cache, Keras's cache, the official download URLs, then registry packages. Every attempt is
reported through `log` and kept in the returned `FetchReport`. Whatever the source, the files are checked
against the raw-IDX SHA-256 digests recorded in the registry before they enter the cache, then installed
atomically with a manifest recording their source and checksums.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablab.data.checksums import FileRecord, Manifest, atomic_write_bytes, read_manifest, sha256_bytes, verify_bytes
from ablab.data.checksums import write_manifest
from ablab.data.idx import parse_idx
from ablab.data.packages import DebianSource, WheelSource
from ablab.data.registry import DatasetSpec, DebianPackage, WheelPickle, get_spec
from ablab.data.sources import KerasCacheSource, Log, MirrorSource, NpzDownloadSource, Source, SourceFailed
from ablab.errors import AblabError


def default_cache_dir() -> Path:
    """`~/.cache/ablab/datasets`: where datasets live unless the caller passes a directory."""
    return Path.home() / ".cache" / "ablab" / "datasets"


def default_keras_dir() -> Path:
    """`~/.keras/datasets`: where Keras keeps what it downloaded."""
    return Path.home() / ".keras" / "datasets"


def dataset_dir(spec: DatasetSpec, cache_dir: Path | None) -> Path:
    """`<cache_dir>/<name>`, with the default cache dir when `cache_dir` is None."""
    return Path(cache_dir if cache_dir is not None else default_cache_dir()).expanduser() / spec.name


@dataclass(frozen=True)
class Attempt:
    """One source tried: its label, whether it worked, what happened, and how long it took."""

    source: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class FetchReport:
    """Outcome of `fetch_dataset`: the cache directory, the source the files came from, and every attempt."""

    dataset: str
    directory: Path
    manifest: Manifest
    attempts: tuple[Attempt, ...]

    @property
    def source(self) -> str:
        return self.manifest.source

    @property
    def from_cache(self) -> bool:
        """True when the cache already held valid files (nothing was fetched)."""
        return self.attempts[-1].source == "cache"


def default_sources(spec: DatasetSpec, *, keras_dir: Path | None = None) -> list[Source]:
    """The sources to try after the cache, in order: Keras's cache, official URLs, registry packages."""
    sources: list[Source] = [KerasCacheSource(keras_dir if keras_dir is not None else default_keras_dir())]
    sources += [MirrorSource(base_url) for base_url in spec.mirrors]
    if spec.npz_url and spec.npz_sha256:
        sources.append(NpzDownloadSource(spec.npz_url, spec.npz_sha256))
    if isinstance(spec.package, DebianPackage):
        sources.append(DebianSource(spec.package))
    elif isinstance(spec.package, WheelPickle):
        sources.append(WheelSource(spec.package))
    return sources


def fetch_dataset(
    name: str,
    *,
    cache_dir: Path | None = None,
    log: Log | None = None,
    keras_dir: Path | None = None,
    sources: list[Source] | None = None,
) -> FetchReport:
    """Make sure `<cache_dir>/<name>/` holds the dataset's verified files; see `fetch_spec`."""
    return fetch_spec(get_spec(name), cache_dir=cache_dir, log=log, keras_dir=keras_dir, sources=sources)


def fetch_spec(
    spec: DatasetSpec,
    *,
    cache_dir: Path | None = None,
    log: Log | None = None,
    keras_dir: Path | None = None,
    sources: list[Source] | None = None,
) -> FetchReport:
    """Use the cache if it is valid, else try each source until one yields files with the recorded digests.

    `sources` replaces the default chain after the cache (tests point it at a local HTTP server).
    Raises AblabError listing every attempt when no source works.
    """
    log = log or (lambda message: None)
    directory = dataset_dir(spec, cache_dir)
    attempts: list[Attempt] = []
    cached = _try_cache(spec, directory, log, attempts)
    if cached is not None:
        return FetchReport(spec.name, directory, cached, tuple(attempts))
    for source in sources if sources is not None else default_sources(spec, keras_dir=keras_dir):
        manifest = _try_source(spec, source, directory, log, attempts)
        if manifest is not None:
            return FetchReport(spec.name, directory, manifest, tuple(attempts))
    tried = "\n".join(f"  - {a.source}: {a.detail}" for a in attempts)
    raise AblabError(f"could not fetch {spec.name} into {directory}; tried:\n{tried}")


def _try_cache(spec: DatasetSpec, directory: Path, log: Log, attempts: list[Attempt]) -> Manifest | None:
    """The cache's manifest when its files verify; None (logged) when empty or damaged."""
    start = time.perf_counter()
    log(f"cache {directory}")
    try:
        manifest, _ = read_cache(spec, directory)
    except AblabError as err:
        _record(attempts, log, "cache", False, f"unusable, fetching again: {err}", start)
        return None
    if manifest is None:
        _record(attempts, log, "cache", False, "empty", start)
        return None
    _record(attempts, log, "cache", True, f"ok, files verified (source: {manifest.source})", start)
    return manifest


def _try_source(
    spec: DatasetSpec, source: Source, directory: Path, log: Log, attempts: list[Attempt]
) -> Manifest | None:
    """Obtain, verify and install the files from `source`; None (logged) on failure."""
    start = time.perf_counter()
    log(f"trying {source.label}")
    try:
        files = source.obtain(spec, log=log)
        check_files(spec, files, source=source.label)
        manifest = install(spec, directory, files, source=source.label)
    except AblabError as err:
        _record(attempts, log, source.label, False, str(err), start)
        return None
    _record(attempts, log, source.label, True, f"ok, {len(files)} files verified and cached in {directory}", start)
    return manifest


def _record(attempts: list[Attempt], log: Log, source: str, ok: bool, detail: str, start_s: float) -> None:
    seconds = time.perf_counter() - start_s
    attempts.append(Attempt(source, ok, detail, seconds))
    log(f"  {'ok' if ok else 'failed'}: {detail.removeprefix('ok, ')} [{seconds:.1f} s]")


def check_files(spec: DatasetSpec, files: dict[str, bytes], *, source: str) -> None:
    """Each file must parse as IDX with the expected shape and have the recorded raw SHA-256."""
    for idx_file in spec.files:
        if idx_file.name not in files:
            raise SourceFailed(f"{source} gave no {idx_file.name}")
        data = files[idx_file.name]
        shape = parse_idx(data, source=f"{source}: {idx_file.name}").shape
        if tuple(shape) != idx_file.shape:
            raise SourceFailed(f"{source}: {idx_file.name} has shape {tuple(shape)}, expected {idx_file.shape}")
        actual = sha256_bytes(data)
        if actual != idx_file.sha256:
            raise SourceFailed(f"{source}: {idx_file.name} SHA-256 {actual} is not the official {idx_file.sha256}")


def install(spec: DatasetSpec, directory: Path, files: dict[str, bytes], *, source: str) -> Manifest:
    """Write verified files into `directory` (each atomically), then the manifest last: it marks completion."""
    records = {}
    for idx_file in spec.files:
        data = files[idx_file.name]
        atomic_write_bytes(directory / idx_file.name, data)
        records[idx_file.name] = FileRecord(sha256=sha256_bytes(data), size_bytes=len(data))
    manifest = Manifest(dataset=spec.name, source=source, fetched_at=Manifest.now_utc(), files=records)
    write_manifest(directory, manifest)
    return manifest


def read_cache(spec: DatasetSpec, directory: Path) -> tuple[Manifest | None, dict[str, np.ndarray]]:
    """(manifest, role -> array) from the cache, every file checked; (None, {}) when nothing was fetched.

    A missing, truncated or corrupted file raises AblabError naming it and the fix.
    """
    manifest = read_manifest(directory, fix=f"delete it and run {spec.fetch_hint}")
    if manifest is None:
        return None, {}
    arrays = {}
    for idx_file in spec.files:
        path = directory / idx_file.name
        fix = f"delete {path} and run {spec.fetch_hint}"
        record = manifest.files.get(idx_file.name)
        if record is None or record.sha256 != idx_file.sha256:
            raise AblabError(f"{path}: the manifest does not record the official file; {fix}")
        try:
            data = path.read_bytes()
        except OSError as err:
            raise AblabError(f"{path}: cannot read cached file ({err.strerror}); {fix}") from None
        verify_bytes(path, data, record, fix=fix)
        arrays[idx_file.role] = parse_idx(data, source=str(path))
    return manifest, arrays
