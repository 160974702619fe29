"""bench/full_profile.py's set-up for the GPU machine: what to carry there (`prepare`, here) and how to use it
there (`device_setup`), plus which GPU and backend a machine has.

The GPU image has JAX but neither Keras nor pydantic, and cannot reach the network; the datasets (~110 MB as the
cache's uncompressed IDX files) would exceed the 64 MiB a call may carry. So `prepare` downloads the few missing
wheels into .whl/ and packs the dataset cache as one gzip'd tar (~40 MB) into runs/device-data/; a call carries
both, and `device_setup` installs the wheels into /tmp/site and unpacks the cache into /tmp/ablab-cache, where
load_dataset checks every file's SHA-256 as usual.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

# What the GPU image lacks (docs: .library/device/KINDS.md), pinned to the versions the project's venv uses.
WHEELS = ("keras==3.15.1", "namex==0.1.0", "optree==0.20.0", "pydantic==2.14.4", "pydantic-core==2.50.5",
          "annotated-types==0.8.0", "typing-inspection==0.4.5", "typing-extensions==4.16.0")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
DATASETS = ("mnist", "fashion-mnist")
DATA_TAR = Path("runs") / "device-data" / "datasets.tar.gz"
SITE = Path("/tmp/site")
DEVICE_CACHE = Path("/tmp/ablab-cache")


def prepare(root: Path, cache_dir: Path | None = None) -> None:
    """Here, with the network: wheels into .whl/ (ignored by git) and the dataset cache into DATA_TAR."""
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "cp", *platforms, "-d", str(root / ".whl"),
                    *WHEELS], check=True)
    cache = cache_dir or Path(os.environ.get("ABLAB_CACHE", Path.home() / ".cache" / "ablab" / "datasets"))
    (root / DATA_TAR).parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(root / DATA_TAR, "w:gz") as tar:
        for name in DATASETS:
            tar.add(cache / name, arcname=name)
    size_mb = sum(p.stat().st_size for p in [*(root / ".whl").glob("*.whl"), root / DATA_TAR]) / 1e6
    print(f"carry .whl and {DATA_TAR.parent}: {size_mb:.1f} MB together (a call carries at most 64 MiB)")


def device_setup(root: Path) -> Path:
    """There: install the carried wheels into /tmp/site (this process and its children see them) and unpack the
    datasets; returns the cache folder to pass as --cache-dir."""
    wheels = sorted(str(p) for p in (root / ".whl").glob("*.whl"))
    if wheels:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                        "--no-cache-dir", "--upgrade", "--target", str(SITE), *wheels], check=True)
        sys.path.insert(0, str(SITE))
        importlib.invalidate_caches()  # the finders cached /tmp/site's listing before the install
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE), os.environ.get("PYTHONPATH", "")) if p)
    if (root / DATA_TAR).exists() and not all((DEVICE_CACHE / n / "manifest.json").exists() for n in DATASETS):
        with tarfile.open(root / DATA_TAR) as tar:
            tar.extractall(DEVICE_CACHE, filter="data")
    check_ready()
    return DEVICE_CACHE


def check_ready() -> None:
    """Stop at once, saying what to carry, when the wheels or the datasets did not travel (not 10 minutes later)."""
    missing = [name for name in ("keras", "pydantic") if importlib.util.find_spec(name) is None]
    missing += [f"dataset {n}" for n in DATASETS if not (DEVICE_CACHE / n / "manifest.json").exists()]
    if missing:
        raise SystemExit(f"missing on this machine: {', '.join(missing)}; run `bench/full_profile.py prepare` where "
                         "there is network, then carry .whl and runs/device-data with the call")


def gpu_name() -> str | None:
    """The first NVIDIA GPU's name (nvidia-smi), None without one."""
    if shutil.which("nvidia-smi") is None:
        return None
    out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True,
                         check=False)
    names = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    return names[0] if names else None


def pick_backend() -> str:
    """TensorFlow where it is installed (this CPU machine), else JAX (the GPU image has JAX, not TensorFlow)."""
    return "tensorflow" if importlib.util.find_spec("tensorflow") else "jax"
